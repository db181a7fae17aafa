// `vfioctl demo --arch aarch64|arm`: platform device passthrough on a fresh in-memory ARM
// twin (seattle: an AMD XGBE into qemu-system-aarch64 under KVM, irqfd path; midway: a
// Calxeda XGMAC into qemu-system-arm under TCG, QEMU's eventfd path): bind to
// vfio-platform, start QEMU, the guest's node, an interrupt from the device to the guest's
// count, a register after the reset. The stored twin is not touched.

import { withKernelTrace } from '../../api/vm-host.js';
import { Host } from '../../kernel/host.js';
import { presetSpec } from '../../kernel/host-spec.js';
import { platformOf } from '../../kernel/platform/platform-subsystem.js';
import { ArmGuest } from '../../guest/arm/arm-guest.js';
import { armBoard } from '../../vmm/arm/board.js';
import { loadTarget, restoreVms } from '../../api/vm-host.js';
import { loadArch } from '../../kernel/arch/index.js';
import { DemoShell, StepClock } from '../demo-shell.js';
import type { Io } from '../io.js';
import { formatTrace } from '../../vmm/trace.js';
import { trace } from './trace.js';

const DEMO_EPOCH_MS = Date.UTC(2024, 0, 1);
const P = '/sys/bus/platform';

interface Scenario {
  preset: 'seattle' | 'midway';
  machine: string;
  binary: string;
  device: string;
  hostDriver: string;
  qemuDevice: string;
  accel: string[];
  /** A device without a reset module, refused while reset_required is set. */
  noReset: string;
  /** A register the guest's handler reads, and one it writes before QEMU exits. */
  statusReg: string;
  ctrlReg: string;
  ctrlValue: string;
  path: string;
}

const SCENARIOS: Record<'aarch64' | 'arm', Scenario> = {
  aarch64: {
    preset: 'seattle',
    machine: 'AMD Opteron A1100 "Seattle" (arm64): two XGBE ports (amd,xgbe-seattle-v1a) and a SATA controller',
    binary: 'qemu-system-aarch64',
    device: 'e0700000.xgmac',
    hostDriver: 'amd-xgbe',
    qemuDevice: 'vfio-amd-xgbe',
    accel: ['-cpu', 'host', '-accel', 'kvm'],
    noReset: 'e0300000.sata',
    statusReg: '3008',
    ctrlReg: '0',
    ctrlValue: '3',
    path: 'KVM irqfd with a resample fd: the kernel unmasks the host line when the guest EOIs in the vGIC; QEMU is not involved',
  },
  arm: {
    preset: 'midway',
    machine: 'Calxeda ECX-2000 "Midway" (32-bit arm, Linux 6.x: no KVM): two XGMAC ports (calxeda,hb-xgmac) and a SATA controller',
    binary: 'qemu-system-arm',
    device: 'fff51000.ethernet',
    hostDriver: 'calxedaxgmac',
    qemuDevice: 'vfio-calxeda-xgmac',
    accel: ['-accel', 'tcg'],
    noReset: 'ffe08000.sata',
    statusReg: 'f1c',
    ctrlReg: 'f1c',
    ctrlValue: '1a061',
    path: "QEMU's eventfd handler: it raises the GIC line and turns the region mmaps off, so the guest's next register access traps and ends the interrupt (EOI, unmask)",
  },
};

export async function demoPlatform(arch: 'aarch64' | 'arm', io: Io): Promise<number> {
  const s = SCENARIOS[arch];
  await loadArch(arch);
  await loadTarget(arch);
  const clock = new StepClock(DEMO_EPOCH_MS);
  const host = Host.boot(presetSpec(s.preset), { now: clock.now });
  const sh = new DemoShell(host, clock, io.stdout);
  const vms = restoreVms(host, undefined);
  const out = io.stdout;
  const prompt = (cmd: string, guest = false): void => {
    clock.advance(1_250);
    out.write(guest ? `guest1# ${cmd}\n` : `$ ${cmd}\n`);
  };
  const dev = `${P}/devices/${s.device}`;
  const board = () => armBoard(vms.get('guest1')!);
  const interrupts = (): void => {
    prompt('cat /proc/interrupts', true);
    out.write(ArmGuest.PROC_INTERRUPTS_HEADER + board().guest.procInterrupts());
  };
  const hostIrq = (deassert: boolean): void => {
    prompt(`vfioctl host irq ${s.device} 0${deassert ? ' --deassert' : ''}`);
    withKernelTrace(host, vms, () => platformOf(host).driveIrq(s.device, 0, deassert));
  };
  const mmio = (offset: string, value?: string): void => {
    prompt(`vfioctl guest guest1 mmio ${value === undefined ? 'read' : 'write'} ${s.device} ${offset}${value === undefined ? '' : ` ${value}`}`);
    const r = withKernelTrace(host, vms, () => board().mmio(s.device, 0, parseInt(offset, 16), value === undefined ? undefined : parseInt(value, 16)));
    if (value === undefined) out.write(`0x${r.value.toString(16).padStart(8, '0')}\n`);
  };
  const regs = (): void => {
    prompt(`vfioctl host device ${s.device} regs`);
    out.write(platformOf(host).device(s.device)!.regions[0]!.entries().map(([o, v]) => `0x${o.toString(16).padStart(4, '0')} 0x${v.toString(16).padStart(8, '0')}\n`).join(''));
  };

  sh.note(`vfioctl demo --arch ${arch}: platform device passthrough (vfio-platform) on an embedded ARM host twin.`);
  sh.note(`Host: the '${s.preset}' preset, ${s.machine}. Your stored twin is not touched.`);
  sh.note("Prompts: '$' is a root shell on the host, 'guest1#' a root shell inside the guest.");
  sh.heading('1. The device tree made platform devices; the host NIC driver has the port');
  sh.ls(`${P}/devices`);
  sh.readlink(`${dev}/driver`);
  sh.cat(`${dev}/modalias`);
  sh.readlink(`${dev}/iommu_group`);
  sh.cat('/sys/module/vfio_platform/parameters/reset_required');

  sh.heading('2. Hand the port to vfio-platform: driver_override, unbind, drivers_probe');
  sh.echo('vfio-platform', `${dev}/driver_override`);
  sh.echo(s.device, `${P}/drivers/${s.hostDriver}/unbind`);
  sh.echo(s.device, `${P}/drivers_probe`);
  sh.readlink(`${dev}/driver`);
  sh.ls('/dev/vfio');
  sh.note(`A device whose compatible has no reset module is refused while reset_required is Y:`);
  sh.echo('vfio-platform', `${P}/devices/${s.noReset}/driver_override`);
  sh.echo(s.noReset, `${P}/drivers/vfio-platform/bind`);
  sh.dmesgTail(2);

  sh.heading(`3. Start the guest with ${s.qemuDevice}`);
  const argv = ['-M', 'virt', ...s.accel, '-nographic', '-name', 'guest1', '-device', `${s.qemuDevice},host=${s.device}`];
  prompt(`${s.binary} ${argv.join(' ')} &`);
  const r = vms.start(argv);
  out.write(r.stderr);
  if (r.exitCode !== 0) return 1;
  sh.note('The first open reset the device (the reset module), and QEMU placed it on the platform bus:');
  sh.dmesgTail(1);
  prompt('vfioctl trace --vm guest1');
  trace({ vm: 'guest1' }, { stdout: out, stderr: out }, { vms });
  sh.note('The node QEMU made for it in the guest device tree (from `vfioctl guest guest1 dt`):');
  prompt('vfioctl guest guest1 dt | sed -n "/platform-bus/,/^\\t};/p"');
  const dts = board().dts();
  const start = dts.indexOf('\tplatform-bus@');
  out.write(dts.slice(start, dts.indexOf('\n\t};\n', start) + 5));

  sh.heading('4. The device raises its interrupt; the guest counts it');
  sh.note(`Path: ${s.path}.`);
  interrupts();
  hostIrq(false);
  interrupts();
  sh.note("The handler has not touched the device yet; the device drops its line, then the handler reads its status:");
  hostIrq(true);
  mmio(s.statusReg);
  interrupts();
  sh.note('Counted once: asserted and deasserted before the EOI is one interrupt. The whole path:');
  const since = vms.trace.events.findIndex((e) => e.event === 'irq_line');
  prompt(`vfioctl trace | tail -n ${vms.trace.events.length - since}`);
  out.write(formatTrace(vms.trace.events.slice(since)));

  sh.heading('5. A register after the reset');
  mmio(s.ctrlReg, s.ctrlValue);
  regs();
  prompt(`kill $(pidof ${s.binary})   # guest1`);
  vms.get('guest1')!.exit();
  sh.note("QEMU's exit closed the device: the last close resets it, and the register reads back as reset:");
  regs();
  sh.dmesgTail(1);
  sh.heading('Next');
  sh.note(`On your own twin: vfioctl host init --preset ${s.preset}, then the commands above (README: Platform passthrough).`);
  return 0;
}
