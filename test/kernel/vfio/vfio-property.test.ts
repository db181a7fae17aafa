// Property: random sequences of opens, closes and ioctls by two QEMU-like processes keep
// the VFIO invariants of spec vfio-core §1.12 and the attach rules of spec vfio-ap §1.5,
// and a snapshot of any reached state restores to an equal twin.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KVM_CREATE_DEVICE,
  KVM_CREATE_VM,
  KVM_DEV_TYPE_VFIO,
  KVM_DEV_VFIO_GROUP_ADD,
  KVM_DEV_VFIO_GROUP_DEL,
  KVM_SET_DEVICE_ATTR,
  decodeCreateDevice,
  encodeCreateDevice,
  encodeVfioGroupAttr,
} from '../../../src/core/kvm-uapi.js';
import {
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_GROUP_UNSET_CONTAINER,
  VFIO_SET_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  encodeS32,
} from '../../../src/core/vfio-uapi.js';
import { Host } from '../../../src/kernel/host.js';
import type { Profile } from '../../../src/kernel/host-spec.js';
import { KvmVfioFile } from '../../../src/kernel/kvm/kvm-vfio.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { VfioDeviceFile } from '../../../src/kernel/vfio/vfio-device.js';
import { VfioGroupFile } from '../../../src/kernel/vfio/vfio-group.js';
import type { Process } from '../../../src/kernel/vfs/process.js';
import { boot, errno, fixedClock } from '../sh.js';
import { UUID, docMdev, groupIdOf } from './qemu-like.js';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';
import { s390Kvm } from '../../../src/kernel/kvm/s390/kvm-s390.js';

type Kind = 'group' | 'container' | 'kvm' | 'vm' | 'kvmVfio' | 'device';

const OTHER_OPS = [
  'openGroup',
  'openContainer',
  'setContainer',
  'unsetContainer',
  'setIommu',
  'createVm',
  'createKvmVfio',
  'groupAdd',
  'groupDel',
  'getDevice',
  'close',
  'exit',
] as const;

const opArb = fc.record({
  proc: fc.integer({ min: 0, max: 1 }),
  // 'advance' runs the next step of QEMU's realize sequence, so device opens are reached often
  op: fc.oneof({ arbitrary: fc.constant('advance'), weight: 12 }, { arbitrary: fc.constantFrom(...OTHER_OPS), weight: 8 }),
  pick: fc.nat(),
});

function run(profile: Profile, ops: { proc: number; op: string; pick: number }[]): void {
  const sh = boot('doc', profile);
  docMdev(sh);
  const host = sh.host;
  const groupPath = `/dev/vfio/${groupIdOf(sh.sys, UUID)}`;
  const procs: Process[] = [host.process('qemu-a'), host.process('qemu-b')];
  const fds: Map<number, Kind>[] = [new Map(), new Map()];
  /** Whether the group fd's SET_CONTAINER share is still held. */
  let share = false;
  const anyFd = (i: number, kind: Kind, pick: number) => {
    const list = [...fds[i]!].filter(([, k]) => k === kind).map(([fd]) => fd);
    return list.length ? list[pick % list.length]! : -1;
  };
  const attempt = (fn: () => unknown) => errno(fn);

  for (const { proc, op, pick } of ops) {
    const p = procs[proc]!;
    const mine = fds[proc]!;
    const add = (fd: unknown, kind: Kind) => {
      if (typeof fd === 'number') mine.set(fd, kind);
    };
    let todo = op;
    if (op === 'advance') {
      const has = (k: Kind) => [...mine.values()].includes(k);
      const g = host.vfio.groups.get(groupIdOf(sh.sys, UUID));
      if (!has('group')) todo = 'openGroup';
      else if (!has('container')) todo = 'openContainer';
      else if (!g?.container) todo = 'setContainer';
      else if (!g.container.iommu) todo = 'setIommu';
      else if (!has('vm')) todo = 'createVm';
      else if (!has('kvmVfio')) todo = 'createKvmVfio';
      else if (!g.kvm) todo = 'groupAdd';
      else todo = 'getDevice';
    }
    switch (todo) {
      case 'openGroup':
        add(attempt(() => p.open(groupPath, O_RDWR)), 'group');
        break;
      case 'openContainer':
        add(attempt(() => p.open('/dev/vfio/vfio', O_RDWR)), 'container');
        break;
      case 'setContainer': {
        const r = attempt(() => p.ioctl(anyFd(proc, 'group', pick), VFIO_GROUP_SET_CONTAINER, encodeS32(anyFd(proc, 'container', pick))));
        if (r === 0) share = true;
        break;
      }
      case 'unsetContainer':
        if (attempt(() => p.ioctl(anyFd(proc, 'group', pick), VFIO_GROUP_UNSET_CONTAINER)) === 0) share = false;
        break;
      case 'setIommu':
        attempt(() => p.ioctl(anyFd(proc, 'container', pick), VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
        break;
      case 'createVm': {
        const kvm = attempt(() => p.open('/dev/kvm', O_RDWR));
        add(kvm, 'kvm');
        if (typeof kvm === 'number') add(attempt(() => p.ioctl(kvm, KVM_CREATE_VM, 0)), 'vm');
        break;
      }
      case 'createKvmVfio': {
        const cd = encodeCreateDevice({ type: KVM_DEV_TYPE_VFIO });
        const r = attempt(() => p.ioctl(anyFd(proc, 'vm', pick), KVM_CREATE_DEVICE, cd));
        if (r === 0) add(decodeCreateDevice(cd).fd, 'kvmVfio');
        // advancing past a VM whose KVM-VFIO fd was closed: start a new VM
        else if (r === 'EBUSY' && op === 'advance') for (const fd of [...mine].filter(([, k]) => k === 'vm').map(([fd]) => fd)) mine.delete(fd);
        break;
      }
      case 'groupAdd':
      case 'groupDel':
        attempt(() =>
          p.ioctl(
            anyFd(proc, 'kvmVfio', pick),
            KVM_SET_DEVICE_ATTR,
            encodeVfioGroupAttr(todo === 'groupAdd' ? KVM_DEV_VFIO_GROUP_ADD : KVM_DEV_VFIO_GROUP_DEL, anyFd(proc, 'group', pick)),
          ),
        );
        break;
      case 'getDevice':
        add(attempt(() => p.ioctl(anyFd(proc, 'group', pick), VFIO_GROUP_GET_DEVICE_FD, UUID)), 'device');
        break;
      case 'close': {
        const list = [...mine.keys()];
        if (!list.length) break;
        const fd = list[pick % list.length]!;
        if (mine.get(fd) === 'group') share = false;
        mine.delete(fd);
        p.close(fd);
        break;
      }
      case 'exit':
        if ([...mine.values()].includes('group')) share = false;
        mine.clear();
        p.exit();
        procs[proc] = host.process(`qemu-${proc}`);
        break;
    }
    check();
  }

  function check(): void {
    const dev = host.vfio.deviceInGroup(groupIdOf(sh.sys, UUID))!;
    const g = dev.vfioGroup;
    const files = procs.flatMap((p) => p.openFds().map((fd) => p.fileAt(fd)));
    const groupFiles = files.filter((f) => f instanceof VfioGroupFile).length;
    const deviceFiles = files.filter((f) => f instanceof VfioDeviceFile).length;
    const external = [...host.kvms.vms.values()].filter((k) => k.kvmVfio?.groups.includes(g)).length;
    // §1.12 (2): at most one open group file, and `opened` says whether there is one
    expect(groupFiles).toBeLessThanOrEqual(1);
    expect(g.opened).toBe(groupFiles === 1);
    // §1.12 (1): container ⇔ users, users = group share + device fds + external users
    expect(g.container !== undefined).toBe(g.containerUsers > 0);
    expect(g.containerUsers).toBe((share ? 1 : 0) + deviceFiles + external);
    // open_device ran once per first open
    expect(dev.openCount).toBe(deviceFiles);
    // §1.12 (3): a backend only with a group
    for (const f of files) if (f && 'container' in f && f.container && 'iommu' in (f.container as object)) {
      const c = (f as { container: { iommu?: unknown; groups: Set<unknown> } }).container;
      if (c.iommu) expect(c.groups.size).toBeGreaterThan(0);
    }
    // every KVM-VFIO fd belongs to a live VM
    for (const f of files) if (f instanceof KvmVfioFile) expect(host.kvms.vms.has(f.dev.kvm.id)).toBe(true);
    // the guest: an attached mdev's VM has the mdev's masks, every other VM a zero CRYCB
    const m = apOf(host).vfioAp.byUuid.get(UUID)!;
    if (profile === 'modern') expect(m.kvm !== undefined).toBe(deviceFiles > 0);
    for (const vm of host.kvms.vms.values()) {
      const masks = s390Kvm(vm).crycb.masks();
      if (m.kvm === s390Kvm(vm)) {
        const want = m.guestMasks();
        expect([masks.apm.toHex(), masks.aqm.toHex(), masks.adm.toHex()]).toEqual([want.apm.toHex(), want.aqm.toHex(), want.adm.toHex()]);
      } else {
        expect(s390Kvm(vm).crycb.bytes.every((b) => b === 0)).toBe(true);
      }
    }
  }

  // any reached state survives a snapshot round trip unchanged
  const snap = JSON.parse(JSON.stringify(host.snapshot())) as ReturnType<Host['snapshot']>;
  const restored = Host.restore(snap, { now: fixedClock() });
  expect(JSON.parse(JSON.stringify(restored.snapshot()))).toEqual(snap);
}

describe('VFIO/KVM invariants under random syscall sequences', () => {
  for (const profile of ['modern', 'legacy'] as const) {
    it(`${profile}: open/close/ioctl sequences keep openCount, group users and CRYCBs consistent`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => run(profile, ops)),
        { numRuns: 150 },
      );
    });
  }
});
