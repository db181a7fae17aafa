// `vfioctl demo --arch ppc64le`: PCI passthrough with EEH on a POWER9 twin — hand the
// 82599 adapter to vfio-pci, start a pseries guest with it, inject an error on the host,
// and let the guest detect and recover it through RTAS. A fresh in-memory `p9` host.

import { Host } from '../../kernel/host.js';
import { presetSpec } from '../../kernel/host-spec.js';
import { loadTarget, restoreVms } from '../../api/vm-host.js';
import { loadArch } from '../../kernel/arch/index.js';
import { pciOf } from '../../kernel/pci/pci-subsystem.js';
import { EEH_PE_STATE_NAMES } from '../../core/vfio-spapr-uapi.js';
import { guestEehRecover, guestLspci, guestRtas } from './guest-pseries.js';
import { trace } from './trace.js';
import { DemoShell, StepClock } from '../demo-shell.js';
import type { Io } from '../io.js';

const ETH0 = '0000:01:00.0';
const ETH1 = '0000:01:00.1';
const DEV = '/sys/bus/pci/devices';

export async function demoPseries(io: Io, epochMs: number): Promise<number> {
  await loadArch('ppc64le');
  await loadTarget('ppc64le');
  const clock = new StepClock(epochMs);
  const host = Host.boot(presetSpec('p9'), { now: clock.now });
  const sh = new DemoShell(host, clock, io.stdout);
  const vms = restoreVms(host, undefined);
  const out = io.stdout;
  const say = (cmd: string): void => {
    clock.advance(1_250);
    out.write(`$ ${cmd}\n`);
  };
  const qemu = (argv: string[]): void => {
    say(`qemu-system-ppc64 ${argv.join(' ')} &`);
    out.write(vms.start(argv).stderr);
  };
  const peState = (bdf: string): void => {
    say(`vfioctl host eeh state ${bdf}`);
    const pe = pciOf(host).device(bdf)!.pe!;
    const s = pe.getState();
    out.write(`${bdf} PE#${pe.addr.toString(16)} state=${s} (${EEH_PE_STATE_NAMES[s]})\n`);
  };
  const ctx = { vms };

  sh.note('vfioctl demo --arch ppc64le: VFIO PCI passthrough with EEH on an embedded POWER9 (PowerNV) twin.');
  sh.note("Host: the 'p9' preset — an Intel 82599ES two-port adapter (0000:01:00.0 and .1, one PE) and a");
  sh.note("Samsung NVMe drive (0001:01:00.0, its own PE). '$' is a root shell on the host, 'guest1#' inside the guest.");
  sh.heading('1. One IOMMU group per partitionable endpoint');
  sh.ls(DEV);
  sh.cat(`${DEV}/${ETH0}/vendor`);
  sh.cat(`${DEV}/${ETH0}/device`);
  sh.readlink(`${DEV}/${ETH0}/driver`);
  sh.readlink(`${DEV}/${ETH0}/iommu_group`);
  sh.ls('/sys/kernel/iommu_groups/0/devices');
  sh.cat(`${DEV}/${ETH0}/eeh_pe_config_addr`);

  sh.heading('2. Hand the first function to vfio-pci');
  sh.echo('vfio-pci', `${DEV}/${ETH0}/driver_override`);
  sh.echo(ETH0, '/sys/bus/pci/drivers/ixgbe/unbind');
  sh.echo(ETH0, '/sys/bus/pci/drivers_probe');
  sh.ls('/dev/vfio');
  sh.note('Its partner function is still on ixgbe, so the group is not viable and QEMU refuses it:');
  qemu(['-M', 'pseries', '-nodefaults', '-nographic', '-device', `vfio-pci,host=${ETH0}`]);

  sh.heading('3. Both functions on vfio-pci: start a pseries guest with the adapter');
  sh.echo('vfio-pci', `${DEV}/${ETH1}/driver_override`);
  sh.echo(ETH1, '/sys/bus/pci/drivers/ixgbe/unbind');
  sh.echo(ETH1, '/sys/bus/pci/drivers_probe');
  qemu(['-M', 'pseries', '-nodefaults', '-nographic', '-name', 'guest1', '-device', `vfio-pci,host=${ETH0},id=eth0`]);
  sh.note('The group sits in the default PHB\'s DMA address space, alone in its container: the guest enabled EEH on it.');
  out.write('guest1# lspci -nn -D\n');
  guestLspci({ id: 'guest1' }, io, ctx);
  say('vfioctl guest guest1 rtas ibm,read-slot-reset-state2 0x10000 0x8000000 0x20000000');
  guestRtas({ id: 'guest1', name: 'ibm,read-slot-reset-state2', args: ['0x10000', '0x8000000', '0x20000000'] }, io, ctx);
  peState(ETH0);

  sh.heading('4. An I/O error on the host: the PHB freezes the PE');
  say(`vfioctl host eeh inject ${ETH0}`);
  pciOf(host).device(ETH0)!.pe!.injectError(0, 0);
  peState(ETH0);
  sh.note('Config reads return all-ones, except the ids vfio-pci virtualises:');
  out.write('guest1# lspci -nn -D\n');
  guestLspci({ id: 'guest1' }, io, ctx);

  sh.heading('5. The guest recovers: detect, read the state, reset the slot, configure the PE, verify');
  out.write('guest1# vfioctl guest guest1 eeh recover 0000:00:00.0\n');
  guestEehRecover({ id: 'guest1', op: 'recover', device: '0000:00:00.0' }, io, ctx);
  peState(ETH0);
  out.write('guest1# lspci -nn -D\n');
  guestLspci({ id: 'guest1' }, io, ctx);

  sh.heading('6. The trace: each RTAS call, its VFIO_EEH_PE_OP and the PE state');
  say('vfioctl trace --vm guest1 | grep -E "spapr_rtas|vfio_eeh|eeh_pe_state" | grep -v pci-config | grep -A10 -m1 set-slot-reset');
  const chunks: string[] = [];
  trace({ vm: 'guest1' }, { stdout: { write: (c) => void chunks.push(String(c)) }, stderr: out }, ctx);
  const lines = chunks
    .join('')
    .split('\n')
    .filter((l) => /spapr_rtas|vfio_eeh|eeh_pe_state/.test(l) && !l.includes('pci-config'));
  const from = lines.findIndex((l) => l.includes('set-slot-reset'));
  out.write(lines.slice(from, from + 11).map((l) => `${l}\n`).join(''));
  sh.heading('Next');
  sh.note('On your own twin: vfioctl host init --preset p9, then vfioctl sys write, vfioctl qemu -M pseries …, vfioctl guest ID eeh recover.');
  return 0;
}
