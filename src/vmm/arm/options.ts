// The option table of qemu-system-aarch64 and qemu-system-arm 7.2 (found by probing
// Debian's binaries, as for s390x): s390x's, plus the ARM-only options, minus the ones
// whose arch_mask leaves ARM out ("Option not supported for this target").

import { S390X_OPTIONS, optionTable, type QemuOptionTable } from '../options/index.js';

const ARM_ONLY: readonly (readonly [string, boolean])[] = [
  ['no-acpi', false], ['old-param', false], ['semihosting', false], ['semihosting-config', true], ['smbios', true],
];

const NOT_ON_ARM: readonly (readonly [string, boolean])[] = [
  ['acpitable', true], ['g', true], ['no-fd-bootchk', false], ['no-hpet', false], ['prom-env', true],
  ['win2k-hack', false], ['xen-attach', false], ['xen-domid', true], ['xen-domid-restrict', false],
];

export const ARM_OPTIONS: QemuOptionTable = optionTable([...S390X_OPTIONS, ...ARM_ONLY], NOT_ON_ARM);
