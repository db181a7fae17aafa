// `vfioctl demo`: the kernel documentation's vfio-ap walk-through (Documentation/arch/s390/
// vfio-ap.rst) narrated on a fresh in-memory `doc` host; the stored twin is not touched.

import { Host } from '../../kernel/host.js';
import { presetSpec } from '../../kernel/host-spec.js';
import { DemoShell, StepClock } from '../demo-shell.js';
import { DEMO_KEY } from '../demo-key.js';
import type { Io } from '../io.js';

// Fixed values keep the transcript identical from run to run.
const DEMO_EPOCH_MS = Date.UTC(2024, 0, 1);
export const DEMO_UUID = '62177883-f1bb-47f0-914d-32a22e3a8804';
export const DEMO_UUID_2 = '669d9b23-fe1b-4ecb-be08-a2fabca99b71';

const AP = '/sys/bus/ap';
const TYPE_DIR = '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough';
const mdevDir = (uuid: string): string => `/sys/devices/vfio_ap/matrix/${uuid}`;

function intro(sh: DemoShell): void {
  sh.note('vfioctl demo: the vfio-ap walk-through of the kernel documentation, on an embedded host twin.');
  sh.note("Host: the 'doc' preset, adapters 0x05 (CEX5C) and 0x06 (CEX5A), usage and control");
  sh.note('domains 0x04, 0x47, 0xab and 0xff. Your stored twin (vfioctl host init) is not touched.');
  sh.note("Prompts: '$' is a root shell on the host, '(qemu)' QEMU's monitor, 'guest1#' a root shell inside the guest.");
  sh.heading('1. Every queue starts out owned by the host: zcrypt drives it');
  sh.lszcrypt(false);
}

function reserve(sh: DemoShell): void {
  sh.heading('2. Free adapters 5 and 6 and domains 4 and 0xab for guests (apmask/aqmask)');
  sh.note('A queue stays with the host only while BOTH its adapter bit and its domain bit are set.');
  sh.echo('-5,-6', `${AP}/apmask`);
  sh.echo('-4,-0xab', `${AP}/aqmask`);
  sh.cat(`${AP}/apmask`);
  sh.cat(`${AP}/aqmask`);
  sh.ls(`${AP}/drivers/vfio_ap`);
  sh.note('Queues bound to vfio_ap have no "online" attribute, so plain lszcrypt hides them; -V shows them:');
  sh.lszcrypt(true);
}

function createAndAssign(sh: DemoShell): void {
  const m = mdevDir(DEMO_UUID);
  sh.heading('3. Create a mediated matrix device');
  sh.cat(`${TYPE_DIR}/available_instances`);
  sh.echo(DEMO_UUID, `${TYPE_DIR}/create`);
  sh.ls(m);
  sh.heading('4. Assign adapter 5, usage domains 4 and 0xab, control domain 0xab');
  sh.echo('5', `${m}/assign_adapter`);
  sh.echo('4', `${m}/assign_domain`);
  sh.echo('0xab', `${m}/assign_domain`);
  sh.echo('0xab', `${m}/assign_control_domain`);
  sh.cat(`${m}/matrix`);
  sh.note('guest_matrix: what a guest gets (or will get when QEMU opens the device):');
  sh.cat(`${m}/guest_matrix`);
  sh.cat(`${m}/control_domains`);
  sh.readlink(`${m}/iommu_group`);
  sh.ls('/dev/vfio');
  sh.cat('/sys/devices/ap/card05/05.0004/status');
}

function conflicts(sh: DemoShell): void {
  const m2 = mdevDir(DEMO_UUID_2);
  sh.heading('5. A second mdev may not take a queue the first one holds');
  sh.echo(DEMO_UUID_2, `${TYPE_DIR}/create`);
  sh.echo('0xab', `${m2}/assign_domain`);
  sh.echo('5', `${m2}/assign_adapter`);
  sh.dmesgTail(1);
  sh.cat(`${m2}/matrix`);
  sh.heading('6. Nor may the host take back a queue an mdev holds');
  sh.note('Giving adapter 5 back is allowed: domains 4 and 0xab are still out of aqmask ...');
  sh.echo('+5', `${AP}/apmask`);
  sh.note('... but giving domain 4 back would reserve 05.0004, which the first mdev holds:');
  sh.echo('+4', `${AP}/aqmask`);
  sh.dmesgTail(1);
}

function guest(sh: DemoShell): void {
  const m = mdevDir(DEMO_UUID);
  sh.heading('7. Start a guest with the mediated device');
  sh.note('Realizing vfio-ap opens the mdev\'s IOMMU group; the driver then programs the guest\'s CRYCB.');
  sh.qemu(['-machine', 's390-ccw-virtio', '-cpu', 'host,ap=on,apqci=on,apft=on,apqi=on', '-nodefaults', '-nographic', '-name', 'guest1', '-device', `vfio-ap,sysfsdev=${m},id=hostdev0`]);
  sh.trace('guest1');
  sh.cat('/sys/devices/ap/card05/05.0004/status');
  sh.crycb('guest1');
  sh.inGuest('guest1');
  sh.heading('8. One vfio-ap device per guest, one guest per mdev');
  sh.note('The ap-bus takes a single device, so a second -device vfio-ap finds no bus:');
  const m2 = mdevDir(DEMO_UUID_2);
  sh.qemu(['-cpu', 'host,ap=on,apqci=on,apft=on', '-device', `vfio-ap,sysfsdev=${m2}`, '-device', `vfio-ap,sysfsdev=${m2}`]);
  sh.note("And a second guest cannot open an mdev's IOMMU group while guest1 holds it:");
  sh.qemu(['-cpu', 'host,ap=on,apqci=on,apft=on', '-device', `vfio-ap,sysfsdev=/sys/bus/mdev/devices/${DEMO_UUID}`]);
  sh.heading('9. Hot plug: assign adapter 6 while the guest runs');
  sh.echo('6', `${m}/assign_adapter`);
  sh.note('The driver pushes the new shadow into the CRYCB and signals QEMU, which tells the guest at once:');
  sh.inGuest('guest1');
}

async function crypto(sh: DemoShell): Promise<void> {
  const k = DEMO_KEY;
  sh.heading('10. The guest computes on its passthrough queues; the host on the queues it kept');
  sh.note(`A demo RSA key (512 bits): P=${k.p}`);
  sh.note(`Q=${k.q} DP=${k.dp}`);
  sh.note(`DQ=${k.dq} QINV=${k.qinv}`);
  sh.note(`IN=${k.input}`);
  sh.note("The guest's zcrypt picks one of its queues, sends with NQAP, polls with DQAP (no AP interrupts are modelled):");
  const crt = { p: k.p, q: k.q, dp: k.dp, dq: k.dq, qinv: k.qinv, input: k.input };
  const signature = await sh.guestCrypto('guest1', 'rsa-crt', crt, 'vfioctl guest guest1 crypto rsa-crt --p $P --q $Q --dp $DP --dq $DQ --qinv $QINV --input $IN');
  sh.guestTapq('guest1', '05.0004');
  sh.guestTapq('guest1', '05.0047');
  sh.inGuest('guest1');
  sh.note('The host checks the signature with the public exponent on the queues zcrypt still drives (05.0047, 05.00ff):');
  sh.note(`N=${k.n}; SIGNATURE is what the guest printed`);
  sh.hostCrypto('rsa-me', { modulus: k.n, exponent: k.e, input: signature }, 'vfioctl host crypto rsa-me --modulus $N --exponent 010001 --input $SIGNATURE');
  sh.note('That is $IN again. zcrypt counted it on a host queue; the passthrough queues show - (no zcrypt driver there):');
  sh.lszcrypt(true);
}

function unplug(sh: DemoShell): void {
  sh.heading('11. Unplug the device and stop the guest');
  sh.monitor('guest1', 'device_del hostdev0');
  sh.crycb('guest1');
  sh.stopVm('guest1');
  sh.note('Closing the device cleared the CRYCB and reset the queues; they are only assigned now:');
  sh.cat('/sys/devices/ap/card05/05.0004/status');
}

function outro(sh: DemoShell): void {
  sh.heading('Next');
  sh.note("Try it on your own twin: vfioctl host init, then vfioctl sys write/read, vfioctl qemu … and 'vfioctl --help'.");
}

export async function demo(opts: { arch?: string }, io: Io): Promise<number> {
  if (opts.arch === 'aarch64' || opts.arch === 'arm') return (await import('./demo-platform.js')).demoPlatform(opts.arch, io);
  if (opts.arch === 'ppc64le') return (await import('./demo-pseries.js')).demoPseries(io, DEMO_EPOCH_MS);
  if (opts.arch !== undefined && opts.arch !== 's390x') {
    io.stderr.write(`vfioctl: demo: unknown arch '${opts.arch}' (s390x, aarch64, arm or ppc64le)\n`);
    return 2;
  }
  const clock = new StepClock(DEMO_EPOCH_MS);
  const sh = new DemoShell(Host.boot(presetSpec('doc'), { now: clock.now }), clock, io.stdout);
  intro(sh);
  reserve(sh);
  createAndAssign(sh);
  conflicts(sh);
  guest(sh);
  await crypto(sh);
  unplug(sh);
  outro(sh);
  return 0;
}
