// The pseries machine of one VM: its PHBs (the default one and any -device
// spapr-pci-host-bridge), the vfio-pci functions on them, the RTAS calls that reach them,
// and the guest OS above, plus what a snapshot keeps to rebuild them.

import { PseriesGuest, type PseriesGuestState, type PseriesMachine } from '../../guest/pseries/pseries-guest.js';
import type { BusState } from '../qdev/qdev.js';
import { walkDevices } from '../qdev/qdev.js';
import type { Board, VfioDeviceRow } from '../target.js';
import { snapshotVfioDevice, type VfioDeviceSnapshot } from '../vfio/vfio-device-snapshot.js';
import { VfioPciDevice } from '../vfio/vfio-pci.js';
import type { Vm } from '../vm.js';
import { SpaprPhb } from './spapr-phb.js';
import { rtasCall } from './spapr-rtas.js';

export interface SpaprDeviceSnapshot extends VfioDeviceSnapshot {
  id?: string;
  opts: [string, string][];
  hotplugged: boolean;
  host?: string;
  sysfsdev?: string;
  addr: number;
  devfn: number;
  configOffset: string;
  config: string;
  pciAer: boolean;
}

export interface SpaprBoardSnapshot {
  cpu: string;
  phbs: { index: number; id?: string; opts: [string, string][]; bus: string; tableEnabled: boolean; containers: { fd: number; window: string | null }[]; devices: SpaprDeviceSnapshot[] }[];
  guest: PseriesGuestState;
}

export class SpaprBoard implements Board {
  readonly exitEffects = 'device fds → eeh_dev_release gives each PE back to the host; containers release their windows';
  readonly guest: PseriesGuest;
  machineDone?: () => void;

  constructor(
    private readonly vm: Vm,
    readonly sysbus: BusState,
    readonly cpuName: string,
    saved?: PseriesGuestState,
  ) {
    this.guest = new PseriesGuest(this.machine(), saved);
  }

  private phbCache: { children: number; phbs: SpaprPhb[] } | undefined;

  /** The PHBs of the machine in creation order (spapr->phbs); they are the system bus's children. */
  phbs(): SpaprPhb[] {
    const children = this.sysbus.children.length;
    if (this.phbCache?.children !== children || this.phbCache.phbs.some((p) => !p.realized)) {
      this.phbCache = { children, phbs: [...walkDevices(this.sysbus)].filter((d): d is SpaprPhb => d instanceof SpaprPhb && d.realized) };
    }
    return this.phbCache.phbs;
  }

  /** The machine as the guest sees it. */
  private machine(): PseriesMachine {
    const vm = this.vm;
    return {
      // the legacy profile pairs QEMU 3.1 with a guest of its time (Linux 4.x)
      perDeviceEnable: vm.profile === 'legacy',
      phbs: () => this.phbs().map((p) => ({ index: p.index, buid: p.buid, devfns: [...p.functions().keys()] })),
      rtas: (name, args, nret) => {
        const rets = rtasCall({ vm, phbs: () => this.phbs() }, name, args, nret);
        if (rets && name !== 'ibm,read-pci-config' && name !== 'ibm,write-pci-config') this.tracePeStates();
        return rets;
      },
      mmio: (index, devfn, bar, offset) => {
        const dev = this.phbs().find((p) => p.index === index)?.functions().get(devfn);
        return dev ? dev.barRead(vm, bar, offset, 4) : 0xffff_ffff;
      },
    };
  }

  /** What the host's PEs look like after an EEH call (the hardware under the guest). */
  private tracePeStates(): void {
    const probe = this.vm.manager.host.pciPeState;
    if (!probe) return;
    let text = '';
    for (const phb of this.phbs()) {
      for (const d of phb.bus?.devices.values() ?? []) {
        if (!(d instanceof VfioPciDevice)) continue;
        const s = probe(d.vdev.name);
        if (s) text += `${text ? ', ' : ''}${d.vdev.name} PE#${s.pe.toString(16)} state=${s.state}`;
      }
    }
    if (text) this.vm.trace('eeh_pe_state', text);
  }

  boot(): void {
    if (this.guest.state.booted) return;
    this.reset();
  }

  reset(): void {
    this.guest.boot();
    const eeh = Object.entries(this.guest.state.eeh).map(([d, e]) => `${d} ${e.status === 0 ? 'EEH enabled' : `EEH unavailable (${e.status})`}`);
    this.vm.trace('guest_boot', eeh.length ? eeh.join(', ') : 'no PCI devices');
  }

  vfioPciDevices(): VfioPciDevice[] {
    return this.vm.devices().filter((d): d is VfioPciDevice => d instanceof VfioPciDevice);
  }

  vfioDevices(): VfioDeviceRow[] {
    return this.vfioPciDevices().map((d) => ({ type: d.typeName, id: d.id ?? null, sysfsdev: d.vdev.sysfsdev ?? null, name: d.vdev.name, group: d.vdev.group?.groupId ?? null }));
  }

  cpuJson(): unknown {
    return { model: this.cpuName };
  }

  listJson(): Record<string, unknown> {
    return { phbs: this.phbs().map((p) => ({ index: p.index, buid: `0x${p.buid.toString(16)}`, eeh: p.eehAvailable() })) };
  }

  snapshot(): SpaprBoardSnapshot {
    return {
      cpu: this.cpuName,
      phbs: this.phbs().map((p) => ({
        index: p.index,
        ...(p.id !== undefined ? { id: p.id } : {}),
        opts: p.opts,
        bus: p.bus!.name,
        tableEnabled: p.as.tableEnabled,
        containers: p.as.list().map((c) => ({ fd: c.fd, window: p.as.windowOf(c)?.toString() ?? null })),
        devices: [...p.functions().values()].map((d) => ({
          ...(d.id !== undefined ? { id: d.id } : {}),
          opts: d.opts,
          hotplugged: d.hotplugged,
          ...(d.host !== undefined ? { host: d.host } : {}),
          ...(d.sysfsdev !== undefined ? { sysfsdev: d.sysfsdev } : {}),
          addr: d.addr,
          devfn: d.devfn,
          ...snapshotVfioDevice(d.vdev),
          configOffset: d.configOffset.toString(),
          config: Buffer.from(d.config).toString('base64'),
          pciAer: d.pciAer,
        })),
      })),
      guest: structuredClone(this.guest.state),
    };
  }
}

/** The pseries machine of a VM of qemu-system-ppc64; throws for another target's VM. */
export function spaprBoard(vm: Vm): SpaprBoard {
  if (!(vm.board instanceof SpaprBoard)) throw new Error(`${vm.id} is not a pseries VM`);
  return vm.board;
}
