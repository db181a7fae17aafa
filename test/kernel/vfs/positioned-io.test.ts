// pread/pwrite and mmap on the syscall surface: sysfs attributes read at an offset, a
// stream (eventfd) has no position, VFIO device files forward to their driver (EINVAL
// without the op), and mmap's generic checks run before the driver's.

import { describe, expect, it } from 'vitest';
import { EFD_NONBLOCK, MAP_SHARED, O_RDONLY, PROT_READ } from '../../../src/kernel/syscall-surface.js';
import { boot, errno } from '../sh.js';
import { UUID, docMdev, realize } from '../vfio/qemu-like.js';

describe('positioned I/O and mmap', () => {
  it('pread on a sysfs attribute reads at the offset; pread on an eventfd is ESPIPE; mmap of an attribute is EACCES', () => {
    const sh = boot('doc', 'modern');
    const fd = sh.sys.open('/sys/bus/ap/ap_domain', O_RDONLY);
    const whole = Buffer.from(sh.sys.read(fd)).toString('latin1');
    expect(Buffer.from(sh.sys.pread(fd, 2, 1n)).toString('latin1')).toBe(whole.slice(1, 3));
    expect(errno(() => sh.sys.pread(fd, 2, -1n))).toBe('EINVAL');
    expect(errno(() => sh.sys.mmap(4096, PROT_READ, MAP_SHARED, fd, 0n))).toBe('EACCES');
    const efd = sh.sys.eventfd(0, EFD_NONBLOCK);
    expect(errno(() => sh.sys.pread(efd, 8, 0n))).toBe('ESPIPE');
    expect(errno(() => sh.sys.mmap(4096, PROT_READ, MAP_SHARED, efd, 0n))).toBe('ENODEV');
    expect(errno(() => sh.sys.pread(99, 8, 0n))).toBe('EBADF');
  });

  it('a VFIO device without read or mmap ops (vfio_ap) answers EINVAL; mmap checks its arguments first', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    expect(errno(() => q.p.pread(q.deviceFd, 4, 0n))).toBe('EINVAL');
    expect(errno(() => q.p.pwrite(q.deviceFd, new Uint8Array(4), 0n))).toBe('EINVAL');
    expect(errno(() => q.p.mmap(4096, PROT_READ, MAP_SHARED, q.deviceFd, 0n))).toBe('EINVAL');
    expect(errno(() => q.p.mmap(0, PROT_READ, MAP_SHARED, q.deviceFd, 0n))).toBe('EINVAL');
    expect(errno(() => q.p.mmap(4096, PROT_READ, MAP_SHARED, q.deviceFd, 100n))).toBe('EINVAL');
    expect(errno(() => q.p.mmap(4096, PROT_READ, 0, q.deviceFd, 0n))).toBe('EINVAL');
    expect(q.p.mapping(0x7f00_0000_0000n)).toBeUndefined();
  });
});
