// qemu-system-s390x 7.2's option table (qemu-options.hx as built by Debian), found by
// probing the binary: every name here is accepted by lookup_opt, with or without an
// argument; anything else is "invalid option".

/** One QEMUOption: whether it takes an argument, and whether its arch_mask includes the binary's target. */
export interface QemuOptionDef {
  readonly name: string;
  readonly hasArg: boolean;
  /** The option's arch_mask includes this binary's target (else "Option not supported for this target"). */
  readonly supported: boolean;
}

/** A binary's option table: every name lookup_opt knows, with or without an argument. */
export type QemuOptionTable = ReadonlyMap<string, QemuOptionDef>;

/** Builds a table from the options the target supports and those lookup_opt knows for other targets. */
export function optionTable(supported: readonly (readonly [string, boolean])[], other: readonly (readonly [string, boolean])[]): QemuOptionTable {
  return new Map<string, QemuOptionDef>([
    ...supported.map(([name, hasArg]) => [name, { name, hasArg, supported: true }] as const),
    ...other.map(([name, hasArg]) => [name, { name, hasArg, supported: false }] as const),
  ]);
}

export const S390X_OPTIONS: readonly (readonly [string, boolean])[] = [
  ['accel', true], ['action', true], ['add-fd', true], ['append', true], ['async-teardown', false],
  ['audio', true], ['audio-help', false], ['audiodev', true], ['bios', true], ['blockdev', true],
  ['boot', true], ['cdrom', true], ['chardev', true], ['chroot', true], ['compat', true], ['cpu', true],
  ['D', true], ['d', true], ['daemonize', false], ['debugcon', true], ['device', true], ['dfilter', true],
  ['display', true], ['drive', true], ['dtb', true], ['dump-vmstate', true], ['echr', true],
  ['enable-kvm', false], ['enable-sync-profile', false], ['fda', true], ['fdb', true], ['fsdev', true],
  ['full-screen', false], ['fw_cfg', true], ['gdb', true], ['global', true], ['h', false], ['hda', true],
  ['hdb', true], ['hdc', true], ['hdd', true], ['help', false], ['icount', true], ['incoming', true],
  ['initrd', true], ['iscsi', true], ['k', true], ['kernel', true], ['L', true], ['loadvm', true],
  ['M', true], ['m', true], ['machine', true], ['mem-path', true], ['mem-prealloc', false], ['mon', true],
  ['monitor', true], ['msg', true], ['mtdblock', true], ['name', true], ['net', true], ['netdev', true],
  ['nic', true], ['no-reboot', false], ['no-shutdown', false], ['no-user-config', false],
  ['nodefaults', false], ['nographic', false], ['numa', true], ['object', true], ['only-migratable', false],
  ['option-rom', true], ['overcommit', true], ['parallel', true], ['pflash', true], ['pidfile', true],
  ['plugin', true], ['portrait', false], ['preconfig', false], ['qmp', true], ['qmp-pretty', true],
  ['qtest', true], ['qtest-log', true], ['readconfig', true], ['rotate', true], ['rtc', true],
  ['runas', true], ['S', false], ['s', false], ['sandbox', true], ['sd', true], ['seed', true],
  ['serial', true], ['set', true], ['singlestep', false], ['smp', true], ['snapshot', false],
  ['spice', true], ['tpmdev', true], ['trace', true], ['usb', false], ['usbdevice', true], ['uuid', true],
  ['version', false], ['vga', true], ['virtfs', true], ['vnc', true], ['watchdog-action', true],
];

/** Known to lookup_opt but refused for this target ("Option not supported for this target"). */
const OTHER_TARGET_OPTIONS: readonly (readonly [string, boolean])[] = [
  ['acpitable', true], ['g', true], ['no-acpi', false], ['no-fd-bootchk', false], ['no-hpet', false],
  ['old-param', false], ['prom-env', true], ['semihosting', false], ['semihosting-config', true],
  ['smbios', true], ['win2k-hack', false], ['xen-attach', false], ['xen-domid', true],
  ['xen-domid-restrict', false],
];

/** qemu-system-s390x's table. */
export const QEMU_OPTIONS: QemuOptionTable = optionTable(S390X_OPTIONS, OTHER_TARGET_OPTIONS);
