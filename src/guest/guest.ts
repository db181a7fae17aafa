// A guest OS instance: its CPU (facilities from the CPU model, AP instructions answered by
// the machine), its AP bus view, and the events that make it rescan.

import type { GuestCpu } from './ap-insn.js';
import { emptyView, scanApBus, type GuestApView } from './guest-os.js';
import type { CrycbView, GuestMachine } from './guest-machine.js';

export class Guest {
  view: GuestApView;
  /** Booted: the CPUs ran (not before `cont` with -S). */
  booted: boolean;

  constructor(
    readonly cpu: GuestCpu,
    readonly machine: GuestMachine,
    saved?: { view: GuestApView; booted: boolean },
  ) {
    this.view = saved ? structuredClone(saved.view) : emptyView(cpu.ap);
    this.booted = saved?.booted ?? false;
  }

  /** The guest kernel boots: ap_module_init scans the bus once. */
  boot(): void {
    this.booted = true;
    this.view = scanApBus(this.cpu, { ...emptyView(this.cpu.ap), scans: this.view.scans });
  }

  /** Forced AP bus scan (what echo 1 > /sys/bus/ap/scans... or the 30 s timer does). */
  rescan(): void {
    if (!this.booted) return;
    this.view = scanApBus(this.cpu, this.view);
  }

  /** CHSC SEI reported an AP configuration change: the AP bus rescans at once. */
  configChanged(): void {
    this.rescan();
  }

  /** The CRYCB the machine runs the guest with. */
  crycb(): CrycbView | undefined {
    return this.machine.crycb();
  }
}
