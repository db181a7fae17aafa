// KVM on the twin: CRYCB formats and the architected mask offsets (spec vfio-ap §4.4),
// /dev/kvm and VM ioctls, and the KVM-VFIO pseudo device's rules (spec vfio-core §1.11).
import { describe, expect, it } from 'vitest';
import { ApMask } from '../../../src/core/ap-mask.js';
import {
  KVM_API_VERSION,
  KVM_CAP_DEVICE_CTRL,
  KVM_CHECK_EXTENSION,
  KVM_CREATE_DEVICE,
  KVM_CREATE_DEVICE_TEST,
  KVM_CREATE_VM,
  KVM_DEV_TYPE_FLIC,
  KVM_DEV_TYPE_VFIO,
  KVM_DEV_VFIO_GROUP,
  KVM_DEV_VFIO_GROUP_ADD,
  KVM_DEV_VFIO_GROUP_DEL,
  KVM_GET_API_VERSION,
  KVM_GET_DEVICE_ATTR,
  KVM_HAS_DEVICE_ATTR,
  KVM_S390_VM_CPU_MACHINE,
  KVM_S390_VM_CPU_MACHINE_SIZE,
  KVM_S390_VM_CPU_MODEL,
  KVM_S390_VM_CPU_PROCESSOR,
  KVM_S390_VM_CPU_PROCESSOR_SIZE,
  KVM_S390_VM_CRYPTO,
  KVM_S390_VM_CRYPTO_ENABLE_APIE,
  KVM_SET_DEVICE_ATTR,
  S390_FAC_AP_QUERY_CONFIG_INFO,
  S390_FAC_MSA_EXT_3,
  decodeCpuMachine,
  decodeCpuProcessor,
  decodeCreateDevice,
  encodeCpuProcessor,
  encodeCreateDevice,
  encodeDeviceAttr,
  encodeVfioGroupAttr,
  facilitiesOf,
  facilityList,
  facilityTest,
} from '../../../src/core/kvm-uapi.js';
import { VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU } from '../../../src/core/vfio-uapi.js';
import { Crycb, CRYCB_FORMAT2, maskBytes } from '../../../src/kernel/kvm/s390/crycb.js';
import { crycbFormatFor, s390Kvm } from '../../../src/kernel/kvm/s390/kvm-s390.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { boot, bootSpec, errno } from '../sh.js';
import { UUID, createVm, docMdev, groupIdOf } from '../vfio/qemu-like.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('CRYCB layout', () => {
  const apm = ApMask.of(0, 5, 63, 64, 255);
  const aqm = ApMask.of(0, 4, 15, 16, 0xab);
  const adm = ApMask.of(1, 0xab);

  it('format 2 (MSAX3 + APXA, descriptor bits 3): APCB1 with 256-bit masks at 0x80, 0xA0, 0xC0', () => {
    const c = new Crycb(2);
    expect(c.descriptorFormat).toBe(CRYCB_FORMAT2);
    c.setMasks(apm, aqm, adm);
    expect(hex(c.bytes.subarray(0x80, 0xa0))).toBe(hex(maskBytes(apm)));
    expect(hex(c.bytes.subarray(0xa0, 0xc0))).toBe(hex(maskBytes(aqm)));
    expect(hex(c.bytes.subarray(0xc0, 0xe0))).toBe(hex(maskBytes(adm)));
    expect(c.bytes.subarray(0, 0x80).every((b) => b === 0)).toBe(true);
    expect(c.bytes[0x80]).toBe(0x84); // IDs 0 and 5: MSB first
    expect(c.bytes[0x9f]).toBe(0x01); // ID 255
    expect(c.masks().apm.ids()).toEqual([0, 5, 63, 64, 255]);
  });

  it.each([0, 1] as const)('format %i: APCB0 with APM 8 bytes at 0x00, AQM and ADM 2 bytes at 0x08 and 0x10', (format) => {
    const c = new Crycb(format);
    expect(c.descriptorFormat).toBe(format);
    c.setMasks(apm, aqm, adm);
    expect(hex(c.bytes.subarray(0x00, 0x08))).toBe('8400000000000001');
    expect(hex(c.bytes.subarray(0x08, 0x10))).toBe('8801000000000000'); // IDs 0, 4, 15; 16 and 0xab do not fit
    expect(hex(c.bytes.subarray(0x10, 0x18))).toBe('4000000000000000'); // ID 1; 0xab does not fit
    expect(c.bytes.subarray(0x80).every((b) => b === 0)).toBe(true);
    expect(c.masks()).toEqual({ apm: ApMask.of(0, 5, 63), aqm: ApMask.of(0, 4, 15), adm: ApMask.of(1) });
  });

  it('clearMasks zeroes APCB0 and APCB1', () => {
    for (const format of [0, 1, 2] as const) {
      const c = new Crycb(format);
      c.setMasks(apm, aqm, adm);
      c.clearMasks();
      expect(c.bytes.every((b) => b === 0)).toBe(true);
    }
  });

  it('the format follows MSAX3 (facility 76) and APXA', () => {
    expect(crycbFormatFor(new Set([]), true)).toBe(0);
    expect(crycbFormatFor(new Set([S390_FAC_MSA_EXT_3]), false)).toBe(1);
    expect(crycbFormatFor(new Set([S390_FAC_MSA_EXT_3]), true)).toBe(2);
  });

  it('a VM of an APXA host gets format 2, of a host without APXA format 1; an attached mdev lands there', () => {
    for (const [apxa, format] of [
      [true, 2],
      [false, 1],
    ] as const) {
      const sh = bootSpec({
        profile: 'modern',
        apxa,
        adapters: [{ id: 5, type: 'CEX7C' }],
        usageDomains: [4, 7],
      });
      const p = sh.host.process();
      const { vmId } = createVm(sh.host, p);
      const kvm = sh.host.kvms.get(vmId)!;
      expect(s390Kvm(kvm).crycb.format).toBe(format);
      s390Kvm(kvm).setMasks(ApMask.of(5), ApMask.of(4, 7), ApMask.of(4));
      const apmAt = format === 2 ? 0x80 : 0x00;
      const aqmAt = format === 2 ? 0xa0 : 0x08;
      expect(s390Kvm(kvm).crycb.bytes[apmAt]).toBe(0x04);
      expect(s390Kvm(kvm).crycb.bytes[aqmAt]).toBe(0x09);
    }
  });

  it('a format-0 VM (no MSAX3) keeps only IDs 0-63 / 0-15', () => {
    const sh = boot('doc', 'modern');
    const kvm = sh.host.kvms.create({ facilities: [] });
    expect(s390Kvm(kvm).crycb.format).toBe(0);
    s390Kvm(kvm).setMasks(ApMask.of(5, 70), ApMask.of(4, 0x47), ApMask.of(0xab));
    expect(s390Kvm(kvm).crycb.masks()).toEqual({ apm: ApMask.of(5), aqm: ApMask.of(4), adm: ApMask.empty() });
  });
});

describe('/dev/kvm and VM ioctls', () => {
  it('API version 12, KVM_CREATE_VM returns a VM fd; the VM goes with its last fd', () => {
    const sh = boot('doc', 'modern');
    const p = sh.host.process();
    const kvm = p.open('/dev/kvm', O_RDWR);
    expect(p.ioctl(kvm, KVM_GET_API_VERSION)).toBe(KVM_API_VERSION);
    expect(p.ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_DEVICE_CTRL)).toBe(1);
    expect(errno(() => p.ioctl(kvm, KVM_CREATE_VM, 1))).toBe('EINVAL');
    const vm = p.ioctl(kvm, KVM_CREATE_VM, 0);
    expect(sh.host.kvms.vms.size).toBe(1);
    const cd = encodeCreateDevice({ type: KVM_DEV_TYPE_VFIO });
    p.ioctl(vm, KVM_CREATE_DEVICE, cd);
    const dev = decodeCreateDevice(cd).fd;
    p.close(vm);
    expect(sh.host.kvms.vms.size).toBe(1); // the device fd holds the VM
    p.close(dev);
    expect(sh.host.kvms.vms.size).toBe(0);
  });

  it('KVM_CREATE_DEVICE: ENODEV for types the twin lacks, TEST creates nothing, one KVM-VFIO device per VM', () => {
    const sh = boot('doc', 'modern');
    const p = sh.host.process();
    const { vmFd } = createVm(sh.host, p);
    expect(errno(() => p.ioctl(vmFd, KVM_CREATE_DEVICE, encodeCreateDevice({ type: KVM_DEV_TYPE_FLIC })))).toBe('ENODEV');
    expect(p.ioctl(vmFd, KVM_CREATE_DEVICE, encodeCreateDevice({ type: KVM_DEV_TYPE_VFIO, flags: KVM_CREATE_DEVICE_TEST }))).toBe(0);
    const fds = p.openFds().length;
    expect(p.openFds().length).toBe(fds);
    p.ioctl(vmFd, KVM_CREATE_DEVICE, encodeCreateDevice({ type: KVM_DEV_TYPE_VFIO }));
    expect(errno(() => p.ioctl(vmFd, KVM_CREATE_DEVICE, encodeCreateDevice({ type: KVM_DEV_TYPE_VFIO })))).toBe('EBUSY');
  });

  it('CPU model: the machine facilities, the processor facility list, APIE', () => {
    const sh = boot('doc', 'modern');
    const p = sh.host.process();
    const { vmFd, vmId } = createVm(sh.host, p);
    const machine = encodeDeviceAttr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_MACHINE, new Uint8Array(KVM_S390_VM_CPU_MACHINE_SIZE));
    p.ioctl(vmFd, KVM_GET_DEVICE_ATTR, machine);
    const m = decodeCpuMachine(machine.subarray(24));
    expect(facilitiesOf(m.facList)).toEqual([12, 15, 65, 76]);
    expect(facilityTest(m.facMask, S390_FAC_AP_QUERY_CONFIG_INFO)).toBe(true);
    expect(p.ioctl(vmFd, KVM_HAS_DEVICE_ATTR, encodeDeviceAttr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE))).toBe(0);
    p.ioctl(vmFd, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, encodeCpuProcessor({ facList: facilityList([12, 15, 99]) })));
    const proc = encodeDeviceAttr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, new Uint8Array(KVM_S390_VM_CPU_PROCESSOR_SIZE));
    p.ioctl(vmFd, KVM_GET_DEVICE_ATTR, proc);
    expect(facilitiesOf(decodeCpuProcessor(proc.subarray(24)).facList)).toEqual([12, 15]); // 99 is not offered
    p.ioctl(vmFd, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE));
    expect(s390Kvm(sh.host.kvms.get(vmId)!).apie).toBe(true);
    expect(errno(() => p.ioctl(vmFd, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_S390_VM_CRYPTO, 9)))).toBe('ENXIO');
    expect(errno(() => p.ioctl(vmFd, KVM_GET_DEVICE_ATTR, encodeDeviceAttr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_MACHINE)))).toBe('EFAULT');
    expect(errno(() => p.ioctl(vmFd, 0xae80))).toBe('ENOTTY');
  });
});

describe('KVM-VFIO device', () => {
  function live() {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const p = sh.host.process('qemu-system-s390x');
    const { vmFd, vmId } = createVm(sh.host, p);
    const cd = encodeCreateDevice({ type: KVM_DEV_TYPE_VFIO });
    p.ioctl(vmFd, KVM_CREATE_DEVICE, cd);
    const dev = decodeCreateDevice(cd).fd;
    const group = p.open(`/dev/vfio/${groupIdOf(p, UUID)}`, O_RDWR);
    const attr = (op: 1 | 2, fd: number) => errno(() => p.ioctl(dev, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(op, fd)));
    return { sh, p, vmId, dev, group, attr };
  }

  it('ADD needs an open fd (EBADF) of a VFIO group (EINVAL) that is live with a backend (EINVAL)', () => {
    const { p, group, attr } = live();
    expect(attr(KVM_DEV_VFIO_GROUP_ADD, 99)).toBe('EBADF');
    expect(attr(KVM_DEV_VFIO_GROUP_ADD, p.open('/dev/kvm', O_RDWR))).toBe('EINVAL');
    expect(attr(KVM_DEV_VFIO_GROUP_ADD, group)).toBe('EINVAL'); // no container
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    p.ioctl(group, VFIO_GROUP_SET_CONTAINER, c);
    expect(attr(KVM_DEV_VFIO_GROUP_ADD, group)).toBe('EINVAL'); // no IOMMU backend
    p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    expect(attr(KVM_DEV_VFIO_GROUP_ADD, group)).toBe(0);
  });

  it('ADD twice is EEXIST, DEL of a group not added is ENOENT; ADD and DEL set and clear the group KVM', () => {
    const { sh, p, group, attr, vmId } = live();
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    p.ioctl(group, VFIO_GROUP_SET_CONTAINER, c);
    p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    const g = sh.host.vfio.group(groupIdOf(p, UUID));
    expect(attr(KVM_DEV_VFIO_GROUP_DEL, group)).toBe('ENOENT');
    expect(g.containerUsers).toBe(1);
    expect(attr(KVM_DEV_VFIO_GROUP_ADD, group)).toBe(0);
    expect(g.kvm?.id).toBe(vmId);
    expect(g.containerUsers).toBe(2);
    expect(attr(KVM_DEV_VFIO_GROUP_ADD, group)).toBe('EEXIST');
    expect(g.containerUsers).toBe(2);
    expect(attr(KVM_DEV_VFIO_GROUP_DEL, group)).toBe(0);
    expect(g.kvm).toBeUndefined();
    expect(g.containerUsers).toBe(1);
  });

  it('attributes: unknown attr ENXIO, HAS for ADD/DEL, GET EPERM, bad pointer EFAULT', () => {
    const { p, dev } = live();
    expect(errno(() => p.ioctl(dev, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_DEV_VFIO_GROUP, 3, new Uint8Array(4))))).toBe('ENXIO');
    expect(errno(() => p.ioctl(dev, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(2, 1, new Uint8Array(4))))).toBe('ENXIO');
    expect(p.ioctl(dev, KVM_HAS_DEVICE_ATTR, encodeDeviceAttr(KVM_DEV_VFIO_GROUP, KVM_DEV_VFIO_GROUP_ADD))).toBe(0);
    expect(errno(() => p.ioctl(dev, KVM_HAS_DEVICE_ATTR, encodeDeviceAttr(KVM_DEV_VFIO_GROUP, 7)))).toBe('ENXIO');
    expect(errno(() => p.ioctl(dev, KVM_GET_DEVICE_ATTR, encodeDeviceAttr(KVM_DEV_VFIO_GROUP, 1)))).toBe('EPERM');
    expect(errno(() => p.ioctl(dev, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_DEV_VFIO_GROUP, KVM_DEV_VFIO_GROUP_ADD)))).toBe('EFAULT');
  });
});
