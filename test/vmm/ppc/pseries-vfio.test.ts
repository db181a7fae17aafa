// qemu-system-ppc64 -M pseries with vfio-pci on a POWER9 twin: realize in the PHB's DMA
// address space with the sPAPR IOMMU, the guest's view through RTAS, and EEH recovery of
// an error the host injects.

import { describe, expect, it } from 'vitest';
import { pciOf } from '../../../src/kernel/pci/pci-subsystem.js';
import { writeText } from '../../../src/kernel/syscall-surface.js';
import { spaprBoard } from '../../../src/vmm/ppc/board.js';
import { BASE, ETH0, NVME, bootP9, reload } from './helpers.js';

describe('pseries with vfio-pci', () => {
  it('starts with the adapter on the default PHB and the drive on a second PHB; the guest lists both', () => {
    const t = bootP9();
    const r = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`, '-device', 'spapr-pci-host-bridge,index=1', '-device', `vfio-pci,host=${NVME},bus=pci.1,addr=2.0`]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const vm = r.vm!;
    expect(spaprBoard(vm).guest.lspci()).toBe(
      '0000:00:00.0 Ethernet controller [0200]: Intel Corporation 82599ES 10-Gigabit SFI/SFP+ Network Connection [8086:10fb] (rev 01)\n' +
        '0001:00:02.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller 172Xa/172Xb [144d:a822]\n',
    );
    expect(spaprBoard(vm).guest.state.eeh).toEqual({ '0000:00:00.0': { pe: 1, status: 0 }, '0001:00:02.0': { pe: 1, status: 0 } });
    expect(pciOf(t.host).pes[0]!.passDevCnt).toBe(1);
  });

  it('an error injected on the host is detected and recovered by the guest, across CLI invocations', () => {
    let t = bootP9();
    const vm = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`]).vm!;
    t = reload(t);
    pciOf(t.host).pes[0]!.injectError(0, 0);
    t = reload(t);
    const guest = spaprBoard(t.vms.get(vm.id)!).guest;
    expect(guest.lspci()).toMatch(/^0000:00:00.0 Class \[ffff\]: Intel Corporation 82599ES .* \[8086:10fb\] \(rev ff\)\n$/);
    const r = guest.recover('0000:00:00.0');
    expect(r.lines).toEqual([
      'detect: BAR0 read 0xffffffff (all-ones)',
      'state: ibm,read-slot-reset-state2 status=0 state=2',
      'log: ibm,slot-error-detail status=1',
      'reset: ibm,set-slot-reset hot status=0 state=2',
      'reset: ibm,set-slot-reset deactivate status=0 state=0',
      'configure: ibm,configure-pe status=0 state=0',
      'verify: BAR0 read 0x00000000 state=0: recovered',
    ]);
    expect(r.ok).toBe(true);
    expect(pciOf(t.host).pes[0]!.getState()).toBe(0);
  });

  it('two groups behind one PHB share a container: EEH is unavailable (-3) to the guest', () => {
    const t = bootP9();
    const r = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`, '-device', `vfio-pci,host=${NVME}`]);
    expect(r.exitCode).toBe(0);
    const board = spaprBoard(r.vm!);
    expect(board.guest.state.eeh['0000:00:00.0']).toEqual({ pe: 0, status: -3 });
    expect(board.guest.recover('0000:00:00.0').lines).toEqual(['eeh: EEH is not available for 0000:00:00.0 (ibm,set-eeh-option returned -3)']);
    expect(board.guest.rtas('ibm,read-slot-reset-state2', [0x10000, 0x8000000, 0x20000000])).toEqual([-3, 0, 0, 0]);
  });

  it('the legacy profile (QEMU 3.1 on Linux 4.19) uses the same sPAPR v2 path', () => {
    const t = bootP9('legacy');
    const r = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`]);
    expect(r.stderr).toBe('');
    expect(spaprBoard(r.vm!).guest.state.eeh['0000:00:00.0']!.status).toBe(0);
  });

  it('a non-viable group (one function left on ixgbe) fails realize with QEMU\'s message', () => {
    const t = bootP9('modern', [ETH0]);
    const r = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `qemu-system-ppc64: -device vfio-pci,host=${ETH0}: vfio ${ETH0}: group 0 is not viable\nPlease ensure all devices within the iommu_group are bound to their vfio bus driver.\n`,
    );
  });
});

describe('a failed start leaves the twin as it was', () => {
  it.each([
    ['a non-viable group', ['0000:01:00.0'], [`vfio-pci,host=${ETH0}`]],
    ['a duplicate device', [ETH0, '0000:01:00.1'], [`vfio-pci,host=${ETH0}`, `vfio-pci,host=${ETH0}`]],
    ['a slot in use', [ETH0, '0000:01:00.1', NVME], [`vfio-pci,host=${ETH0},addr=3`, `vfio-pci,host=${NVME},addr=3`]],
    ['a group in two address spaces', [ETH0, '0000:01:00.1'], ['spapr-pci-host-bridge,index=1', `vfio-pci,host=${ETH0}`, 'vfio-pci,host=0000:01:00.1,bus=pci.1']],
  ])('%s', (_name, functions, devices) => {
    const t = bootP9('modern', functions);
    // everything but the KVM id counter, which a created-then-destroyed VM advances on any host
    const state = () => JSON.stringify({ ...t.host.snapshot(), vms: { ...t.host.snapshot().vms, kvm: { vms: t.host.snapshot().vms?.kvm.vms } } });
    const before = state();
    const r = t.vms.start([...BASE, ...devices.flatMap((d) => ['-device', d])]);
    expect(r.exitCode).toBe(1);
    expect(state()).toBe(before);
  });

  it('the messages are QEMU\'s', () => {
    const t = bootP9();
    const start = (...devices: string[]) => t.vms.start([...BASE, ...devices.flatMap((d) => ['-device', d])]).stderr;
    expect(start(`vfio-pci,host=${ETH0}`, `vfio-pci,host=${ETH0}`)).toBe(`qemu-system-ppc64: -device vfio-pci,host=${ETH0}: vfio ${ETH0}: device is already attached\n`);
    expect(start(`vfio-pci,host=${ETH0},addr=3`, `vfio-pci,host=${NVME},addr=3`)).toBe(
      `qemu-system-ppc64: -device vfio-pci,host=${NVME},addr=3: PCI: slot 3 function 0 not available for vfio-pci, in use by vfio-pci,id=""\n`,
    );
    expect(start('spapr-pci-host-bridge,index=1', `vfio-pci,host=${ETH0}`, 'vfio-pci,host=0000:01:00.1,bus=pci.1')).toBe(
      'qemu-system-ppc64: -device vfio-pci,host=0000:01:00.1,bus=pci.1: vfio 0000:01:00.1: group 0 used in multiple address spaces\n',
    );
  });
});

describe('the host takes a function back', () => {
  it('unbinding vfio-pci while QEMU holds the device fails with EBUSY and the kernel\'s line; after the VM stops it works', () => {
    const t = bootP9();
    const vm = t.vms.start([...BASE, '-device', `vfio-pci,host=${ETH0}`]).vm!;
    let code = '';
    try {
      writeText(t.sh, '/sys/bus/pci/drivers/vfio-pci/unbind', ETH0);
    } catch (e) {
      code = (e as { code: string }).code;
    }
    expect(code).toBe('EBUSY');
    expect(t.host.log.format()).toMatch(new RegExp(`vfio-pci ${ETH0}: Device is currently in use, task "\\S+" \\(\\d+\\) blocked until device is released\\n$`));
    vm.exit();
    writeText(t.sh, '/sys/bus/pci/drivers/vfio-pci/unbind', ETH0);
    expect(pciOf(t.host).pes[0]!.passDevCnt).toBe(0);
  });
});
