// Which qemu-system-* `vfioctl qemu` is: the one for the host's architecture (KVM runs the
// host's own), as on real hosts.

import { aarch64Target, armTarget32 } from './arm/target.js';
import { s390xTarget } from './s390/target.js';
import type { VmmTarget } from './target.js';

const TARGETS: Readonly<Record<string, VmmTarget>> = { s390x: s390xTarget, aarch64: aarch64Target, arm: armTarget32 };

export function targetFor(arch: string): VmmTarget {
  const t = TARGETS[arch];
  if (!t) throw new Error(`no qemu-system binary for a ${arch} host`);
  return t;
}
