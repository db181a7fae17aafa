// Which qemu-system-* `vfioctl qemu` is: the one for the host's architecture (KVM runs the
// host's own), as on real hosts.

import { ppc64Target } from './ppc/target.js';
import { s390xTarget } from './s390/target.js';
import type { VmmTarget } from './target.js';

const TARGETS: Readonly<Record<string, VmmTarget>> = { s390x: s390xTarget, ppc64le: ppc64Target };

export function targetFor(arch: string): VmmTarget {
  const t = TARGETS[arch];
  if (!t) throw new Error(`no qemu-system binary for a ${arch} host`);
  return t;
}
