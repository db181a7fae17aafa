// An s390x host (an LPAR): KVM with the CRYCB, and the AP part (AP bus, zcrypt, mdev, vfio_ap).

import { ApSubsystem, type ApSubsystemSnapshot } from '../ap/ap-subsystem.js';
import type { ArchDef } from '../host-part.js';
import { s390xSpec } from '../host-spec-types.js';
import { defaultS390Caps, s390KvmType } from '../kvm/s390/kvm-s390.js';

export const s390x: ArchDef = {
  kvm(spec) {
    const s = s390xSpec(spec);
    return s390KvmType(defaultS390Caps(s.qci, s.apxa));
  },
  parts: (host, saved) => [new ApSubsystem(host, saved?.['ap'] as ApSubsystemSnapshot | undefined)],
};
