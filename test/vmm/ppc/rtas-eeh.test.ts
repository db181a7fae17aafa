// The RTAS calls of a pseries guest with vfio-pci, with LoPAPR's return codes as QEMU 7.2
// gives them, and vfio_eeh_as_op's errors and messages (spec vfio-core §5).

import { describe, expect, it } from 'vitest';
import { PCI_PRESETS } from '../../../src/kernel/pci/pci-presets.js';
import { Host } from '../../../src/kernel/host.js';
import { parseHostSpec } from '../../../src/kernel/host-spec.js';
import { restoreVms } from '../../../src/api/vm-host.js';
import { pciOf } from '../../../src/kernel/pci/pci-subsystem.js';
import { spaprBoard } from '../../../src/vmm/ppc/board.js';
import { vfioEehAsOp } from '../../../src/vmm/vfio/vfio-eeh.js';
import { BASE, ETH0, ETH1, NVME, bootP9, toVfio } from './helpers.js';

const HI = 0x8000000;
const LO = 0x20000000;

function guest1() {
  const t = bootP9();
  const r = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`]);
  expect(r.exitCode).toBe(0);
  const vm = r.vm!;
  const board = spaprBoard(vm);
  return { t, vm, board, rtas: (name: string, args: number[], nret?: number) => board.guest.rtas(name, args, nret) };
}

describe('RTAS return codes', () => {
  it('config space: 1, 2 or 4 bytes, aligned, below 256, on a function that exists; else -1', () => {
    const { rtas } = guest1();
    expect(rtas('ibm,read-pci-config', [0, HI, LO, 2])).toEqual([0, 0x8086]);
    expect(rtas('ibm,read-pci-config', [0x0e, HI, LO, 1])).toEqual([0, 0]);
    expect(rtas('ibm,read-pci-config', [0, HI, LO, 3])).toEqual([-1, 0]);
    expect(rtas('ibm,read-pci-config', [2, HI, LO, 4])).toEqual([-1, 0]);
    expect(rtas('ibm,read-pci-config', [0x800, HI, LO, 4])).toEqual([-1, 0]);
    expect(rtas('ibm,read-pci-config', [0x100 << 8, HI, LO, 4])).toEqual([-1, 0]);
    expect(rtas('ibm,read-pci-config', [0, HI, LO + 1, 4])).toEqual([-1, 0]);
    expect(rtas('ibm,read-pci-config', [0, HI, LO])).toEqual([-1, 0]);
    expect(rtas('ibm,write-pci-config', [0x3c, HI, LO, 1, 0x21])).toEqual([0]);
    expect(rtas('ibm,read-pci-config', [0x3c, HI, LO, 1])).toEqual([0, 0x21]);
    expect(rtas('ibm,write-pci-config', [0x3c, HI, LO, 1])).toEqual([-1]);
  });

  it('EEH calls: PE address, PE mode, options, reset kinds and error-log options', () => {
    const { rtas } = guest1();
    expect(rtas('ibm,get-config-addr-info2', [0, HI, LO, 0])).toEqual([0, 1]);
    expect(rtas('ibm,get-config-addr-info2', [0, HI, LO, 1])).toEqual([0, 2]);
    expect(rtas('ibm,get-config-addr-info2', [0, HI, LO, 2])).toEqual([-3, 0]);
    expect(rtas('ibm,get-config-addr-info2', [0x800, HI, LO, 0])).toEqual([-3, 0]);
    expect(rtas('ibm,set-eeh-option', [1, HI, LO, 0])).toEqual([0]);
    expect(rtas('ibm,set-eeh-option', [0x10000, HI, LO, 1])).toEqual([-3]);
    expect(rtas('ibm,set-eeh-option', [0x800, HI, LO, 1])).toEqual([0]);
    expect(rtas('ibm,set-eeh-option', [1, HI, LO, 4])).toEqual([-3]);
    expect(rtas('ibm,set-eeh-option', [1, HI, LO + 5, 1])).toEqual([-3]);
    expect(rtas('ibm,read-slot-reset-state2', [1, HI, LO], 5)).toEqual([0, 0, 1, 1000, 0]);
    expect(rtas('ibm,read-slot-reset-state2', [1, HI, LO], 3)).toEqual([-3, 0, 0]);
    expect(rtas('ibm,set-slot-reset', [1, HI, LO, 2])).toEqual([-3]);
    expect(rtas('ibm,set-slot-reset', [1, HI, LO, 3])).toEqual([0]);
    expect(rtas('ibm,read-slot-reset-state2', [1, HI, LO])).toEqual([0, 2, 1, 1000]);
    expect(rtas('ibm,set-slot-reset', [1, HI, LO, 0])).toEqual([0]);
    expect(rtas('ibm,set-eeh-option', [1, HI, LO, 2])).toEqual([0]);
    expect(rtas('ibm,set-eeh-option', [1, HI, LO, 3])).toEqual([0]);
    expect(rtas('ibm,configure-pe', [1, HI, LO])).toEqual([0]);
    expect(rtas('ibm,configure-pe', [1, HI])).toEqual([-3]);
    expect(rtas('ibm,slot-error-detail', [1, HI, LO, 0, 0, 0, 0, 2])).toEqual([1]);
    expect(rtas('ibm,slot-error-detail', [1, HI, LO, 0, 0, 0, 0, 3])).toEqual([-3]);
    expect(rtas('ibm,errinjct', [1])).toEqual([-1]);
  });

  it('UNFREEZE_IO then UNFREEZE_DMA through set-eeh-option thaws an injected error', () => {
    const { t, rtas } = guest1();
    pciOf(t.host).pes[0]!.injectError(0, 0);
    expect(rtas('ibm,read-slot-reset-state2', [1, HI, LO])[1]).toBe(2);
    rtas('ibm,set-eeh-option', [1, HI, LO, 2]);
    expect(rtas('ibm,read-slot-reset-state2', [1, HI, LO])[1]).toBe(4);
    rtas('ibm,set-eeh-option', [1, HI, LO, 3]);
    expect(rtas('ibm,read-slot-reset-state2', [1, HI, LO])[1]).toBe(0);
  });

  it('a system reset resets the PHB, whose EEH re-enable thaws a frozen PE', () => {
    const { t, vm } = guest1();
    pciOf(t.host).pes[0]!.injectError(0, 0);
    vm.systemReset();
    expect(pciOf(t.host).pes[0]!.getState()).toBe(0);
  });
});

describe('vfio_eeh_as_op', () => {
  it('-ENODEV without a container, -EPERM (reported) with two groups in it', () => {
    const t = bootP9();
    const vm = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`, '-device', `vfio-pci,host=${NVME}`]).vm!;
    const [phb0] = spaprBoard(vm).phbs();
    expect(vfioEehAsOp(vm, { list: () => [] }, 4)).toBe(-19);
    expect(vfioEehAsOp(vm, phb0!.as, 4)).toBe(-1);
    expect(vm.takeStderr()).toBe('qemu-system-ppc64: vfio/eeh: EEH_PE_OP 0x4: kernel requires a container with exactly one group\n');
    expect(vfioEehAsOp(vm, { list: () => [...phb0!.as.list(), ...phb0!.as.list()] }, 4)).toBe(-19);
  });

  it('a failing ioctl is reported with its errno; the RTAS call answers -1 (HW error)', () => {
    const host = Host.boot(parseHostSpec({ ...PCI_PRESETS.p9, eeh: false }), { now: () => 1_700_000_000_000 });
    const sh = host.process();
    for (const bdf of [ETH0, ETH1]) toVfio(sh, bdf);
    const vms = restoreVms(host, undefined);
    const r = vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`]);
    expect(r.exitCode).toBe(0);
    // the PHB's reset at start asked for ENABLE, which an EEH-less host refuses
    expect(r.stderr).toBe('qemu-system-ppc64: vfio/eeh: EEH_PE_OP 0x1 failed: Input/output error\n'.repeat(2));
    const board = spaprBoard(r.vm!);
    expect(board.guest.state.eeh['0000:00:00.0']).toEqual({ pe: 1, status: -1 });
  });
});

describe('ibm,set-eeh-option ENABLE by profile', () => {
  it('7.2 takes any address on a bus with a vfio-pci function; 3.1 only a vfio-pci function\'s own address', () => {
    for (const [profile, want] of [['modern', [0]], ['legacy', [-3]]] as const) {
      const t = bootP9(profile);
      const vm = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0},addr=1.0`]).vm!;
      const g = spaprBoard(vm).guest;
      expect(g.rtas('ibm,set-eeh-option', [0x1, HI, LO, 1])).toEqual(want);
      expect(g.rtas('ibm,set-eeh-option', [0x800, HI, LO, 1])).toEqual([0]);
    }
  });
});

describe('the guest enables EEH as its kernel does', () => {
  it('a 4.x guest (legacy) enables per device address, so a function off devfn 0 still gets EEH', () => {
    const t = bootP9('legacy');
    const vm = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0},addr=1.0`]).vm!;
    expect(spaprBoard(vm).guest.state.eeh['0000:00:01.0']).toEqual({ pe: 1, status: 0 });
  });
});
