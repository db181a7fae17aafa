// ARM hosts: arm64 (KVM with a vGIC) and 32-bit ARM (KVM only in the legacy profile: Linux
// 5.7 removed 32-bit ARM KVM), both with the platform bus from the device tree.

import type { ArchDef } from '../host-part.js';
import { armKvmType } from '../kvm/arm/kvm-arm.js';
import { PlatformSubsystem } from '../platform/platform-subsystem.js';

export const aarch64: ArchDef = {
  kvm: () => armKvmType(true),
  parts: (host) => [new PlatformSubsystem(host)],
};

export const arm: ArchDef = {
  kvm: (spec) => (spec.profile === 'legacy' ? armKvmType(false) : undefined),
  parts: (host) => [new PlatformSubsystem(host)],
};
