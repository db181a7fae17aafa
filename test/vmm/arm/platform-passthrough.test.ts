// Platform device passthrough end to end (spec vfio-core §4): bind on the host, realize in
// qemu-system-aarch64/-arm, the guest's device tree, and each interrupt path — the KVM
// irqfd path with resample, and QEMU's eventfd path with the mmap slow path and its timer —
// driven from the hardware side (a device raising its line) to the guest's EOI.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dtcDecode, hasDtc } from '../../dtc-peer.js';
import { decodeFdt, formatDts } from '../../../src/core/fdt.js';
import { platformOf } from '../../../src/kernel/platform/platform-subsystem.js';
import { bindVfio, bootArm, reloadArm, start, type ArmTwin } from './arm-helpers.js';
import { armBoard } from '../../../src/vmm/arm/board.js';

const XGBE = 'e0700000.xgmac';
const XGMAC = 'fff51000.ethernet';
const KVM_XGBE = ['-M', 'virt', '-cpu', 'host', '-accel', 'kvm', '-nographic', '-device', `vfio-amd-xgbe,host=${XGBE}`];
const TCG_XGMAC = ['-M', 'virt', '-accel', 'tcg', '-nographic', '-device', `vfio-calxeda-xgmac,host=${XGMAC}`];

const irq = (t: ArmTwin, dev: string, index: number, deassert = false) => platformOf(t.host).driveIrq(dev, index, deassert);
const counts = (board: ReturnType<typeof armBoard>) => board.guest.state.devices.flatMap((d) => d.irqs.map((i) => i.count));


describe('seattle (aarch64, KVM): vfio-amd-xgbe over irqfd', () => {
  it('realize, link and the guest node: what the host tree says, at the platform bus base, SPIs from 112', () => {
    const t = bootArm('seattle');
    bindVfio(t, XGBE);
    const { board } = start(t, KVM_XGBE);
    const dev = board.platformDevices()[0]!;
    expect(dev.mmio).toEqual([0, 0x80000, 0x100000, 0x100400, 0x100460]);
    expect(dev.intps.map((i) => [i.pin, i.line, i.kvmAccel])).toEqual([5, 4, 3, 2, 1, 0].map((p) => [p, p, true]));
    const dts = board.dts();
    expect(dts).toContain(
      [
        `\t\t${XGBE}@0 {`,
        '\t\t\tinterrupts = <0x00 0x70 0x04 0x00 0x71 0x01 0x00 0x72 0x01 0x00 0x73 0x01 0x00 0x74 0x01 0x00 0x75 0x04>;',
        '\t\t\treg = <0x00 0x80000 0x80000 0x80000 0x100000 0x400 0x100400 0x60 0x100460 0x04>;',
        '\t\t\tclocks = <0x8005 0x8006>;',
        '\t\t\tclock-names = "dma_clk\\0ptp_clk";',
      ].join('\n'),
    );
    expect(dts).toContain('\tclk250mhz_0 {\n\t\tphandle = <0x8005>;\n\t\tclock-output-names = "xgmacclk0_dma_250mhz";');
    expect(dts).toContain('\t\t\tmac-address = [02 a1 a2 a3 a4 a5];');
    expect(board.guest.procInterrupts()).toBe(
      [
        ' 40:          0     GIC-0 144 Level     c000000.e0700000.xgmac',
        ' 41:          0     GIC-0 145 Edge      c000000.e0700000.xgmac',
        ' 42:          0     GIC-0 146 Edge      c000000.e0700000.xgmac',
        ' 43:          0     GIC-0 147 Edge      c000000.e0700000.xgmac',
        ' 44:          0     GIC-0 148 Edge      c000000.e0700000.xgmac',
        ' 45:          0     GIC-0 149 Level     c000000.e0700000.xgmac',
        '',
      ].join('\n'),
    );
  });

  it('a level interrupt asserted and deasserted before the EOI is delivered once; one still asserted at the EOI fires again', () => {
    const t = bootArm('seattle');
    bindVfio(t, XGBE);
    const { board } = start(t, KVM_XGBE);
    irq(t, XGBE, 0);
    irq(t, XGBE, 0, true);
    expect(counts(board)[0]).toBe(1);
    const read = board.mmio(XGBE, 0, 0x3000);
    expect(read.trapped).toBe(false); // irqfd: the mmaps stay on, nothing traps
    expect(counts(board)[0]).toBe(1);
    irq(t, XGBE, 0);
    expect(counts(board)[0]).toBe(2);
    board.mmio(XGBE, 0, 0x3000);
    expect(counts(board)[0]).toBe(3); // still asserted at the EOI: the resample unmasked it and it fired again
    irq(t, XGBE, 0, true);
    board.mmio(XGBE, 0, 0x3000);
    expect(counts(board)[0]).toBe(3);
  });

  it('edge interrupts count every pulse; the vGIC keeps one pending while the CPU is in another handler', () => {
    const t = bootArm('seattle');
    bindVfio(t, XGBE);
    const { board } = start(t, KVM_XGBE);
    irq(t, XGBE, 1);
    expect(counts(board).slice(0, 2)).toEqual([0, 1]);
    irq(t, XGBE, 1);
    expect(counts(board)[1]).toBe(1);
    board.mmio(XGBE, 0, 0);
    expect(counts(board)[1]).toBe(2);
  });

  it('x-irqfd=off keeps QEMU on the path: the eventfd handler, mmaps off while the IRQ is active', () => {
    const t = bootArm('seattle');
    bindVfio(t, XGBE);
    const { board } = start(t, [...KVM_XGBE.slice(0, -1), `vfio-amd-xgbe,host=${XGBE},x-irqfd=off`]);
    const dev = board.platformDevices()[0]!;
    expect(dev.intps.every((i) => !i.kvmAccel)).toBe(true);
    irq(t, XGBE, 0);
    expect(dev.mmapsEnabled).toBe(false);
    irq(t, XGBE, 0, true);
    expect(board.mmio(XGBE, 0, 0x3000).trapped).toBe(true);
    expect(counts(board)[0]).toBe(1);
  });

  it("QEMU's quirks: a PENDING edge that fires again turns ACTIVE while queued; the EOI then ends the wrong IRQ and the level one comes twice", () => {
    const t = bootArm('seattle');
    bindVfio(t, XGBE);
    const { board } = start(t, [...KVM_XGBE.slice(0, -1), `vfio-amd-xgbe,host=${XGBE},x-irqfd=off`]);
    const dev = board.platformDevices()[0]!;
    irq(t, XGBE, 0);
    irq(t, XGBE, 1);
    expect(dev.intp(1)!.state).toBe('pending');
    irq(t, XGBE, 0, true);
    irq(t, XGBE, 1);
    expect([dev.intp(0)!.state, dev.intp(1)!.state]).toEqual(['active', 'active']);
    // vfio_platform_eoi takes the first ACTIVE of intp_list (highest pin first): pin 1, then re-injects it from the queue
    board.mmio(XGBE, 0, 0);
    expect([dev.intp(0)!.state, dev.intp(1)!.state]).toEqual(['active', 'active']);
    // GIC 144 was never lowered: the guest's EOI of it finds it pending again
    expect(counts(board)[0]).toBe(2);
  });

  it('the last close resets the device: DMA_MR.SWR cleared the MAC registers the guest wrote', () => {
    const t = bootArm('seattle');
    bindVfio(t, XGBE);
    const { vm, board } = start(t, KVM_XGBE);
    board.mmio(XGBE, 0, 0x0, 0x3);
    expect(platformOf(t.host).device(XGBE)!.regions[0]!.peek(0)).toBe(3);
    t.vms.get(vm)!.monitor('system_reset');
    expect(platformOf(t.host).device(XGBE)!.regions[0]!.peek(0)).toBe(3); // QEMU does not reset vfio-platform
    t.vms.get(vm)!.exit();
    expect(platformOf(t.host).device(XGBE)!.regions[0]!.peek(0)).toBe(0);
    expect(t.host.log.entries.map((e) => e.text).filter((l) => l.endsWith(': reset'))).toEqual([`vfio-platform ${XGBE}: reset`, `vfio-platform ${XGBE}: reset`]);
  });

  it('dumpdtb writes the tree the guest gets; dtc decodes it to exactly `guest dt`', () => {
    const t = bootArm('seattle');
    bindVfio(t, XGBE);
    const r = t.vms.start(['-M', 'virt,dumpdtb=g.dtb', ...KVM_XGBE.slice(2)]);
    expect(r).toMatchObject({ exitCode: 0, stdout: '', stderr: 'qemu-system-aarch64: info: dtb dumped to g.dtb. Exiting.\n' });
    const blob = t.files.get('g.dtb')!;
    expect(blob.length).toBe(0x100000);
    const { board } = start(t, KVM_XGBE);
    expect(formatDts(decodeFdt(blob))).toBe(board.dts());
    if (hasDtc) {
      const file = join(mkdtempSync(join(tmpdir(), 'vfioctl-dtb-')), 'g.dtb');
      writeFileSync(file, blob);
      expect(dtcDecode(file)).toBe(board.dts());
    }
  });

  it('a reload (a new CLI invocation) keeps the guest waiting in its handler and the irqfd wired', () => {
    let t = bootArm('seattle');
    bindVfio(t, XGBE);
    const { vm } = start(t, KVM_XGBE);
    irq(t, XGBE, 0);
    t = reloadArm(t);
    const board = armBoard(t.vms.get(vm)!);
    expect(counts(board)[0]).toBe(1);
    board.mmio(XGBE, 0, 0);
    expect(counts(board)[0]).toBe(2);
    irq(t, XGBE, 0, true);
    t = reloadArm(t);
    armBoard(t.vms.get(vm)!).mmio(XGBE, 0, 0);
    irq(t, XGBE, 0);
    expect(counts(armBoard(t.vms.get(vm)!))[0]).toBe(3);
  });
});

describe('midway (32-bit arm, modern: no KVM): vfio-calxeda-xgmac on the eventfd path', () => {
  it('the calxeda node: first compat, dma-coherent, every IRQ level', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const { board } = start(t, TCG_XGMAC);
    expect(board.dts()).toContain(
      `\tplatform-bus@c000000 {\n\t\tinterrupt-parent = <0x8002>;\n\t\tranges = <0x00 0x00 0xc000000 0x2000000>;\n\t\t#address-cells = <0x01>;\n\t\t#size-cells = <0x01>;\n\t\tcompatible = "qemu,platform\\0simple-bus";\n\n\t\t${XGMAC}@0 {\n\t\t\tinterrupts = <0x00 0x70 0x04 0x00 0x71 0x04 0x00 0x72 0x04>;\n\t\t\treg = <0x00 0x1000>;\n\t\t\tdma-coherent;\n\t\t\tcompatible = "calxeda,hb-xgmac";\n\t\t};\n\t};`,
    );
  });

  it('QEMU raises the line and turns the mmaps off; the trapped read EOIs and unmasks; still asserted fires again', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const { board } = start(t, TCG_XGMAC);
    const dev = board.platformDevices()[0]!;
    let now = 1000;
    board.now = () => now;
    irq(t, XGMAC, 0);
    expect(dev.intps.find((i) => i.pin === 0)!.state).toBe('active');
    expect(counts(board)).toEqual([1, 0, 0]);
    expect(board.mmio(XGMAC, 0, 0xf1c).trapped).toBe(true);
    expect(counts(board)).toEqual([2, 0, 0]);
    irq(t, XGMAC, 0, true);
    expect(board.mmio(XGMAC, 0, 0xf1c).trapped).toBe(true);
    expect(counts(board)).toEqual([2, 0, 0]);
    // mmap-timeout-ms (1100) later with no IRQ active, the fast path is back
    now += 1100;
    expect(board.mmio(XGMAC, 0, 0xf1c).trapped).toBe(false);
  });

  it('only one IRQ is active per device: a second one waits in the pending queue until the EOI', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const { board } = start(t, TCG_XGMAC);
    const dev = board.platformDevices()[0]!;
    irq(t, XGMAC, 0);
    irq(t, XGMAC, 1);
    expect(dev.intps.find((i) => i.pin === 1)!.state).toBe('pending');
    expect(counts(board)).toEqual([1, 0, 0]);
    irq(t, XGMAC, 0, true);
    board.mmio(XGMAC, 0, 0);
    expect(dev.intps.find((i) => i.pin === 1)!.state).toBe('active');
    expect(counts(board)).toEqual([1, 1, 0]);
  });

  it('the legacy profile (Linux 4.20, QEMU 3.1) has 32-bit KVM: irqfd, and the bus node is /platform@c000000', () => {
    const t = bootArm('midway', 'legacy');
    bindVfio(t, XGMAC);
    const { board } = start(t, ['-M', 'virt', '-accel', 'kvm', '-nographic', '-device', `vfio-calxeda-xgmac,host=${XGMAC}`]);
    expect(board.platformDevices()[0]!.intps.every((i) => i.kvmAccel)).toBe(true);
    expect(board.dts()).toContain(`\tplatform@c000000 {`);
    irq(t, XGMAC, 2);
    expect(counts(board)).toEqual([0, 0, 1]);
  });
});

describe('realize failures with a real host device', () => {
  it('a group whose other member is bound to a host driver is not viable', () => {
    const t = bootArm('midway');
    const r = t.vms.start(TCG_XGMAC);
    expect(r.stderr).toBe(`qemu-system-arm: -device vfio-calxeda-xgmac,host=${XGMAC}: vfio ${XGMAC}: failed to open /dev/vfio/1: No such file or directory\n`);
  });

  it('the same host device twice: "device is already attached"', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const r = t.vms.start([...TCG_XGMAC, '-device', `vfio-platform,host=${XGMAC}`]);
    expect(r.stderr).toBe(`qemu-system-arm: -device vfio-platform,host=${XGMAC}: vfio ${XGMAC}: device is already attached\n`);
    expect(t.host.vfio.group(1).opened).toBe(false);
  });

  it('a plain vfio-platform of a calxeda device cannot be placed in the guest tree', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const r = t.vms.start(['-M', 'virt', '-accel', 'tcg', '-device', `vfio-platform,host=${XGMAC}`]);
    expect(r).toMatchObject({ exitCode: 1, stderr: 'qemu-system-arm: Device vfio-platform can not be dynamically instantiated\n' });
  });

  it('vfio-amd-xgbe on a calxeda device finds no host node of its name and compatible', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const r = t.vms.start(['-M', 'virt', '-accel', 'tcg', '-device', `vfio-amd-xgbe,host=${XGMAC}`]);
    expect(r.stderr).toBe('qemu-system-arm: add_amd_xgbe_fdt_node unable to retrieve node path for ethernet@fff51000/amd,xgbe-seattle-v1a\n');
  });
});

describe('the monitor, system reset and the platform bus limits', () => {
  it('device_add and device_del: the system bus takes no hot plug; system_reset leaves the device alone', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const { vm, board } = start(t, [...TCG_XGMAC.slice(0, -1), `vfio-calxeda-xgmac,host=${XGMAC},id=nic0`]);
    const m = t.vms.get(vm)!;
    expect(m.monitor(`device_add vfio-platform,host=${XGMAC}`)).toEqual({ output: "Error: Bus 'main-system-bus' does not support hotplugging\n", error: true });
    expect(m.monitor('device_del nic0')).toEqual({ output: "Error: Bus 'main-system-bus' does not support hotplugging\n", error: true });
    irq(t, XGMAC, 0);
    expect(board.guest.state.inHandler).not.toBeNull();
    m.monitor('system_reset');
    // the guest rebooted and counts from 0; QEMU's intp is still ACTIVE with the GIC line high, so it is taken at once
    expect(counts(board)).toEqual([1, 0, 0]);
    expect(board.platformDevices()[0]!.intp(0)!.state).toBe('active');
    expect(t.host.log.entries.filter((e) => e.text.endsWith(': reset'))).toHaveLength(1);
  });

  it('mmap-timeout-ms=0: after the first IRQ the fast path never comes back', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const { board } = start(t, [...TCG_XGMAC.slice(0, -1), `vfio-calxeda-xgmac,host=${XGMAC},mmap-timeout-ms=0`]);
    let now = 0;
    board.now = () => now;
    expect(board.mmio(XGMAC, 0, 0).trapped).toBe(false);
    irq(t, XGMAC, 0);
    irq(t, XGMAC, 0, true);
    board.mmio(XGMAC, 0, 0);
    now += 1_000_000;
    expect(board.mmio(XGMAC, 0, 0).trapped).toBe(true);
  });

  it('a device with more IRQs than the platform bus has lines: "Platform Bus: Can not fit IRQ line"', async () => {
    const { Host } = await import('../../../src/kernel/host.js');
    const { parseHostSpec } = await import('../../../src/kernel/host-spec.js');
    const spec = parseHostSpec({
      arch: 'arm',
      platformDevices: [{ node: '/soc/ethernet@fff50000', compatible: ['calxeda,hb-xgmac'], reg: [[0xfff50000, 0x1000]], interrupts: Array.from({ length: 65 }, (_, i) => ({ spi: 100 + i, trigger: 'level' })) }],
    });
    const t = { ...bootArm('midway') };
    t.host = Host.boot(spec, { now: () => 0 });
    t.sh = t.host.process();
    const { hostVmAdapter } = await import('../../../src/api/vm-host.js');
    const { VmManager } = await import('../../../src/vmm/vm-manager.js');
    t.vms = new VmManager(hostVmAdapter(t.host));
    bindVfio(t, 'fff50000.ethernet');
    const r = t.vms.start(['-M', 'virt', '-accel', 'tcg', '-device', 'vfio-calxeda-xgmac,host=fff50000.ethernet']);
    expect(r).toMatchObject({ exitCode: 1, stderr: 'qemu-system-arm: -device vfio-calxeda-xgmac,host=fff50000.ethernet: Platform Bus: Can not fit IRQ line\n' });
    expect(t.host.vfio.group(0).opened).toBe(false);
  });

  it('the host node lacks a property amd-xgbe must copy: qemu_fdt_getprop\'s error ends QEMU', async () => {
    const { Host } = await import('../../../src/kernel/host.js');
    const { parseHostSpec, presetSpec } = await import('../../../src/kernel/host-spec.js');
    const seattle = presetSpec('seattle');
    if (seattle.arch !== 'aarch64') throw new Error('seattle is an aarch64 preset');
    const devices = seattle.platformDevices.map((d) => (d.node.endsWith('e0700000') ? { ...d, properties: Object.fromEntries(Object.entries(d.properties).filter(([k]) => k !== 'phy-mode')) } : d));
    const t = { ...bootArm('seattle') };
    t.host = Host.boot(parseHostSpec({ ...seattle, platformDevices: devices }), { now: () => 0 });
    t.sh = t.host.process();
    const { hostVmAdapter } = await import('../../../src/api/vm-host.js');
    const { VmManager } = await import('../../../src/vmm/vm-manager.js');
    t.vms = new VmManager(hostVmAdapter(t.host));
    bindVfio(t, XGBE);
    const r = t.vms.start(KVM_XGBE);
    expect(r).toMatchObject({ exitCode: 1, stderr: 'qemu-system-aarch64: qemu_fdt_getprop: Couldn\'t get /smb/xgmac@e0700000/phy-mode: FDT_ERR_NOTFOUND\n' });
  });
});

describe('a stopped CPU', () => {
  it('takes no interrupt until cont', () => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const { vm, board } = start(t, TCG_XGMAC);
    const m = t.vms.get(vm)!;
    m.monitor('stop');
    irq(t, XGMAC, 0);
    expect(counts(board)).toEqual([0, 0, 0]);
    m.monitor('cont');
    expect(counts(board)).toEqual([1, 0, 0]);
  });
});

describe('KVM runs the host core only', () => {
  it('-accel kvm with the default cortex-a15 on an arm64 host fails at vCPU init; cortex-a57 (Seattle\'s core) starts', () => {
    const t = bootArm('seattle');
    expect(t.vms.start(['-M', 'virt', '-accel', 'kvm'])).toMatchObject({
      exitCode: 1,
      stderr: 'qemu-system-aarch64: KVM is not supported for this guest CPU type\nqemu-system-aarch64: kvm_init_vcpu: kvm_arch_init_vcpu failed (0): Invalid argument\n',
    });
    expect(t.vms.start(['-M', 'virt', '-accel', 'kvm', '-cpu', 'cortex-a57']).exitCode).toBe(0);
  });
});

describe('a failed start leaves the twin as it was', () => {
  const state = (t: ArmTwin) => {
    const s = JSON.parse(JSON.stringify(t.host.snapshot())) as Record<string, unknown>;
    delete s['log'];
    return s;
  };

  it.each([
    ['the same device twice', [...TCG_XGMAC, '-device', `vfio-platform,host=${XGMAC}`]],
    ['no node for amd-xgbe (fails at machine done, after the device was opened)', ['-M', 'virt', '-accel', 'tcg', '-device', `vfio-amd-xgbe,host=${XGMAC}`]],
    ['a plain vfio-platform of a calxeda device', ['-M', 'virt', '-accel', 'tcg', '-device', `vfio-platform,host=${XGMAC}`]],
    ['KVM refuses the CPU (32-bit modern host: no KVM at all)', ['-M', 'virt', '-accel', 'kvm', '-device', `vfio-calxeda-xgmac,host=${XGMAC}`]],
  ])('%s', (_name, argv) => {
    const t = bootArm('midway');
    bindVfio(t, XGMAC);
    const before = state(t);
    expect(t.vms.start(argv).exitCode).toBe(1);
    expect(state(t)).toEqual(before);
    expect(t.vms.list()).toEqual([]);
  });
});
