// The s390-ccw-virtio machine of one VM: its CPU model, the channel subsystem and AP
// buses, the guest OS (which reads its CRYCB through the machine under it), and the
// vfio-ap devices a snapshot keeps.

import { ApMask } from '../../core/ap-mask.js';
import { Guest } from '../../guest/guest.js';
import { guestCpu, type CrycbView, type GuestMachine } from '../../guest/guest-machine.js';
import type { GuestApView } from '../../guest/guest-os.js';
import type { BusState } from '../qdev/qdev.js';
import type { Board, VfioDeviceRow } from '../target.js';
import { VfioApDevice } from '../vfio/vfio-ap.js';
import { snapshotVfioDevice, type VfioDeviceSnapshot } from '../vfio/vfio-device-snapshot.js';
import type { Vm } from '../vm.js';
import { TYPE_AP_BUS } from './ap-bridge.js';
import type { ApFeature, S390CpuModel } from './cpu-model.js';

export interface VfioApDeviceSnapshot extends VfioDeviceSnapshot {
  typeName: string;
  id?: string;
  opts: [string, string][];
  hotplugged: boolean;
  sysfsdev?: string;
  reqFd?: number;
  cfgFd?: number;
}

export interface S390BoardSnapshot {
  cpu: { model: string; features: ApFeature[] };
  apBus: boolean;
  devices: VfioApDeviceSnapshot[];
  guest: { view: GuestApView; booted: boolean };
}

export function cpuFacilities(model: S390CpuModel): { ap: boolean; apqci: boolean; apft: boolean; apqi: boolean } {
  return { ap: model.has('ap'), apqci: model.has('apqci'), apft: model.has('apft'), apqi: model.has('apqi') };
}

export class S390Board implements Board {
  readonly exitEffects = 'device fd → close_device clears the CRYCB and resets the queues';
  guest: Guest;

  constructor(
    private readonly vm: Vm,
    readonly cpu: S390CpuModel,
    readonly sysbus: BusState,
    saved?: S390BoardSnapshot['guest'],
  ) {
    this.guest = new Guest(guestCpu(this.guestMachine(), cpuFacilities(cpu)), this.guestMachine(), saved);
  }

  get cpuName(): string {
    return this.cpu.def.name;
  }

  /** The machine under the guest (SIE interpretation of AP instructions). */
  guestMachine(): GuestMachine {
    return this.vm.manager.host.machine(this.vm.proc, this.vm.vmFd);
  }

  /** The guest's CRYCB; an all-zero format-0 block under TCG. */
  crycb(): CrycbView {
    return this.guestMachine().crycb() ?? { format: 0, apm: ApMask.empty(), aqm: ApMask.empty(), adm: ApMask.empty() };
  }

  traceCrycb(event: string): void {
    const c = this.guestMachine().crycb();
    if (!c) return;
    this.vm.trace(event, `format ${c.format} apm ${c.apm.toHex()} aqm ${c.aqm.toHex()} adm ${c.adm.toHex()}`);
  }

  apConfigChanged(): void {
    if (this.guest?.booted) {
      this.guest.configChanged();
      this.vm.trace('guest_ap_rescan', `config-change event: the guest sees ${this.guestApqnsText()}`);
    }
  }

  guestApqnsText(): string {
    const q = this.guest.view.cards.flatMap((c) => c.queues.map((d) => `${c.apid.toString(16).padStart(2, '0')}.${d.toString(16).padStart(4, '0')}`));
    return q.length ? q.join(' ') : 'no APQNs';
  }

  boot(): void {
    if (this.guest.booted) return;
    this.reset();
  }

  reset(): void {
    this.guest.boot();
    this.vm.trace('guest_boot', `the guest's AP bus sees ${this.guestApqnsText()}`);
  }

  vfioApDevices(): VfioApDevice[] {
    return this.vm.devices().filter((d): d is VfioApDevice => d instanceof VfioApDevice);
  }

  vfioDevices(): VfioDeviceRow[] {
    return this.vfioApDevices().map((d) => ({
      type: d.typeName,
      id: d.id ?? null,
      sysfsdev: d.sysfsdev ?? null,
      name: d.vdev.name,
      group: d.vdev.group?.groupId ?? null,
    }));
  }

  cpuJson(): unknown {
    return { model: this.cpu.def.name, features: [...this.cpu.features].sort() };
  }

  listJson(): Record<string, unknown> {
    const c = this.crycb();
    return { crycb: { format: c.format, apm: c.apm.toHex(), aqm: c.aqm.toHex(), adm: c.adm.toHex() } };
  }

  snapshot(): S390BoardSnapshot {
    return {
      cpu: { model: this.cpu.def.name, features: [...this.cpu.features] },
      apBus: this.vm.devices().some((d) => d.childBuses.some((b) => b.typeName === TYPE_AP_BUS)),
      devices: this.vfioApDevices().map((d) => ({
        typeName: d.typeName,
        ...(d.id !== undefined ? { id: d.id } : {}),
        opts: d.opts.map(([k, v]) => [k, v] as [string, string]),
        hotplugged: d.hotplugged,
        ...(d.sysfsdev !== undefined ? { sysfsdev: d.sysfsdev } : {}),
        ...snapshotVfioDevice(d.vdev),
        ...(d.reqNotifier ? { reqFd: d.reqNotifier.fd } : {}),
        ...(d.cfgNotifier ? { cfgFd: d.cfgNotifier.fd } : {}),
      })),
      guest: { view: structuredClone(this.guest.view), booted: this.guest.booted },
    };
  }
}

/** The s390 machine of a VM of qemu-system-s390x; throws for another target's VM. */
export function s390Board(vm: Vm): S390Board {
  if (!(vm.board instanceof S390Board)) throw new Error(`${vm.id} is not an s390x VM`);
  return vm.board;
}
