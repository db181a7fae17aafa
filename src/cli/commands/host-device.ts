// `vfioctl host irq DEVICE INDEX [--deassert]` and `vfioctl host device DEVICE regs
// [--region N]`: the hardware side of an ARM twin's platform device. The first drives the
// device's interrupt line as the device would (the kernel's handler, VFIO, KVM or QEMU and
// the guest react in the same process); the second prints the register file.

import { findPlatform, type PlatformSubsystem } from '../../kernel/platform/platform-subsystem.js';
import type { PlatformDevice } from '../../kernel/platform/platform-device.js';
import type { Host } from '../../kernel/host.js';
import { StateStore } from '../../api/state-store.js';
import { CliError, guard } from '../cli-error.js';
import type { Io } from '../io.js';
import type { StateOptions } from './options.js';

function part(host: Host, cmd: string): PlatformSubsystem {
  const p = findPlatform(host);
  if (!p) throw new CliError(`${cmd}: an ${host.spec.arch} host has no platform devices`);
  return p;
}

function device(p: PlatformSubsystem, cmd: string, name: string): PlatformDevice {
  const dev = p.device(name);
  if (!dev || !dev.iommuGroup) {
    const names = p.devices.filter((d) => d.iommuGroup).map((d) => d.name);
    throw new CliError(`${cmd}: no platform device '${name}' (devices: ${names.join(', ')})`);
  }
  return dev;
}

function index(cmd: string, text: string, what: string, count: number, dev: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n >= count) throw new CliError(`${cmd}: ${dev} has no ${what} ${text} (${count ? `0..${count - 1}` : 'none'})`);
  return n;
}

export interface HostIrqOptions extends StateOptions {
  device: string;
  index: string;
  deassert: boolean;
}

/** The device raises (or drops) its interrupt line; what the host and any VM did follows in the same run. */
export function hostIrq(opts: HostIrqOptions, io: Io): Promise<number> {
  const cmd = 'host irq';
  return guard(io, async () => {
    const line = await new StateStore(opts.state).update(async (host, twin) => {
      const p = part(host, cmd);
      const dev = device(p, cmd, opts.device);
      const i = index(cmd, opts.index, 'interrupt', dev.irqs.length, dev.name);
      const irq = dev.irqs[i]!;
      if (irq.trigger === 'edge' && opts.deassert) throw new CliError(`${cmd}: ${dev.name} interrupt ${i} is edge-triggered: it has no level to deassert`);
      // the VMs' eventfd handlers must be armed before the line moves; the kernel's steps join their trace
      const { withKernelTrace } = await import('../../api/vm-host.js');
      withKernelTrace(host, await twin.vmManager(), () => p.driveIrq(dev.name, i, opts.deassert));
      const what = irq.trigger === 'edge' ? 'pulsed' : opts.deassert ? 'deasserted' : 'asserted';
      return `${dev.name} interrupt ${i} (SPI ${irq.spi}, ${irq.trigger}): ${what}\n`;
    });
    io.stdout.write(line);
    return 0;
  });
}

export interface HostRegsOptions extends StateOptions {
  device: string;
  region?: string;
}

/** `offset value` per non-zero register of the region, both in hex. */
export function hostDeviceRegs(opts: HostRegsOptions, io: Io): Promise<number> {
  const cmd = 'host device regs';
  return guard(io, async () => {
    const host = await new StateStore(opts.state).load();
    const dev = device(part(host, cmd), cmd, opts.device);
    const r = index(cmd, opts.region ?? '0', 'region', dev.regions.length, dev.name);
    io.stdout.write(
      dev.regions[r]!
        .entries()
        .map(([o, v]) => `0x${o.toString(16).padStart(4, '0')} 0x${v.toString(16).padStart(8, '0')}\n`)
        .join(''),
    );
    return 0;
  });
}
