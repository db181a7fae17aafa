// The VFIO and KVM uAPI constants and struct codecs (linux/vfio.h, linux/kvm.h).
import { describe, expect, it } from 'vitest';
import * as kvm from '../../src/core/kvm-uapi.js';
import * as v from '../../src/core/vfio-uapi.js';

describe('VFIO ioctl numbers: _IO(";", 100 + n)', () => {
  it.each([
    ['VFIO_GET_API_VERSION', 0x3b64],
    ['VFIO_CHECK_EXTENSION', 0x3b65],
    ['VFIO_SET_IOMMU', 0x3b66],
    ['VFIO_GROUP_GET_STATUS', 0x3b67],
    ['VFIO_GROUP_SET_CONTAINER', 0x3b68],
    ['VFIO_GROUP_UNSET_CONTAINER', 0x3b69],
    ['VFIO_GROUP_GET_DEVICE_FD', 0x3b6a],
    ['VFIO_DEVICE_GET_INFO', 0x3b6b],
    ['VFIO_DEVICE_GET_REGION_INFO', 0x3b6c],
    ['VFIO_DEVICE_GET_IRQ_INFO', 0x3b6d],
    ['VFIO_DEVICE_SET_IRQS', 0x3b6e],
    ['VFIO_DEVICE_RESET', 0x3b6f],
    ['VFIO_IOMMU_GET_INFO', 0x3b70],
    ['VFIO_IOMMU_MAP_DMA', 0x3b71],
    ['VFIO_IOMMU_UNMAP_DMA', 0x3b72],
  ] as const)('%s = %s', (name, value) => {
    expect(v[name]).toBe(value);
  });

  it('KVM numbers as linux/kvm.h builds them', () => {
    expect(kvm.KVM_GET_API_VERSION).toBe(0xae00);
    expect(kvm.KVM_CREATE_VM).toBe(0xae01);
    expect(kvm.KVM_CHECK_EXTENSION).toBe(0xae03);
    expect(kvm.KVM_CREATE_DEVICE).toBe(0xc00caee0);
    expect(kvm.KVM_SET_DEVICE_ATTR).toBe(0x4018aee1);
    expect(kvm.KVM_GET_DEVICE_ATTR).toBe(0x4018aee2);
    expect(kvm.KVM_HAS_DEVICE_ATTR).toBe(0x4018aee3);
  });
});

describe('struct codecs (little-endian, argsz first)', () => {
  it('vfio_device_info and vfio_irq_set with s32 eventfds', () => {
    const info = v.encodeDeviceInfo({ flags: 0x21, num_irqs: 2 });
    expect([...info]).toEqual([16, 0, 0, 0, 0x21, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]);
    expect(v.decodeDeviceInfo(info)).toEqual({ argsz: 16, flags: 0x21, num_regions: 0, num_irqs: 2 });
    const set = v.encodeIrqSetEventfds(v.VFIO_AP_CFG_CHG_IRQ_INDEX, [-1]);
    const d = v.decodeIrqSet(set);
    expect(d).toMatchObject({ argsz: 24, flags: v.VFIO_IRQ_SET_DATA_EVENTFD | v.VFIO_IRQ_SET_ACTION_TRIGGER, index: 1, start: 0, count: 1 });
    expect(v.decodeS32s(d.data, 1)).toEqual([-1]);
  });

  it('dma map/unmap carry u64 fields', () => {
    const map = v.encodeDmaMap({ flags: 3, vaddr: 0x7f0000000000n, iova: 0x100000n, size: 0x200000n });
    expect(v.decodeDmaMap(map)).toEqual({ argsz: 32, flags: 3, vaddr: 0x7f0000000000n, iova: 0x100000n, size: 0x200000n });
    expect(v.decodeDmaUnmap(v.encodeDmaUnmap({ iova: 1n << 40n, size: 4096n }))).toEqual({ argsz: 24, flags: 0, iova: 1n << 40n, size: 4096n });
    expect(v.decodeIommuType1Info(v.encodeIommuType1Info({ iova_pgsizes: 0xfffffffffffff000n })).iova_pgsizes).toBe(0xfffffffffffff000n);
  });

  it('kvm_device_attr points at its payload inside the buffer; facility lists are STFLE bit order', () => {
    const buf = kvm.encodeVfioGroupAttr(kvm.KVM_DEV_VFIO_GROUP_ADD, 7);
    expect(kvm.decodeDeviceAttr(buf)).toEqual({ flags: 0, group: 1, attr: 1n, addr: 24n });
    expect([...kvm.deviceAttrPayload(buf, 4)!]).toEqual([7, 0, 0, 0]);
    const list = kvm.facilityList([0, 12, 76]);
    expect(list[0]).toBe(0x80);
    expect(list[1]).toBe(0x08);
    expect(list[9]).toBe(0x08);
    expect(kvm.facilitiesOf(list)).toEqual([0, 12, 76]);
  });
});
