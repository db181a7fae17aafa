// Help listings exactly as qemu-system-s390x 7.2 prints them on stdout. Device and
// machine tables are data passed in: qdev and the s390 machine own them.

import type { QemuOptsList } from './qemu-opts.js';
import { optTypeToString } from './opt-value.js';

/** One settable QOM property as help shows it. */
export interface PropertyInfo {
  readonly name: string;
  /** QOM type name as shown between < and >: "str", "bool", "uint32", "link<…>" … */
  readonly type: string;
  readonly description?: string;
  /** The default as QEMU's JSON text, e.g. "false", "0", "\"x\"". */
  readonly defaultValue?: string;
}

/** DEVICE_CATEGORY_* in bit order; the order of `-device help` sections. */
export const DEVICE_CATEGORIES = ['bridge', 'usb', 'storage', 'network', 'input', 'display', 'sound', 'misc', 'cpu', 'watchdog'] as const;
export type DeviceCategory = (typeof DEVICE_CATEGORIES)[number];

const CATEGORY_TITLES: Readonly<Record<DeviceCategory, string>> = {
  bridge: 'Controller/Bridge/Hub',
  usb: 'USB',
  storage: 'Storage',
  network: 'Network',
  input: 'Input',
  display: 'Display',
  sound: 'Sound',
  misc: 'Misc',
  cpu: 'CPU',
  watchdog: 'Watchdog',
};

/** A device type as help needs it; qdev will own the real table. */
export interface DeviceTypeInfo {
  readonly name: string;
  readonly properties: readonly PropertyInfo[];
  readonly bus?: string;
  readonly alias?: string;
  readonly desc?: string;
  readonly categories?: readonly DeviceCategory[];
  /** Defaults to true. Non-user-creatable devices are left out of `-device help`. */
  readonly userCreatable?: boolean;
  /** Abstract types (and non-device QOM types) refuse `-device T,help`. */
  readonly abstract?: boolean;
}

/** A machine type as help needs it. */
export interface MachineTypeInfo {
  readonly name: string;
  readonly desc: string;
  readonly alias?: string;
  readonly family?: string;
  readonly isDefault?: boolean;
  readonly deprecated?: boolean;
  /** Settable class properties, for `-machine NAME,help`. */
  readonly properties?: readonly PropertyInfo[];
}

/** strcmp over UTF-8 bytes, as glib's g_strcmp0 sorts. */
function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** printf("%-Ns"): pads by bytes, not UTF-16 units. */
function padBytes(s: string, width: number): string {
  const len = Buffer.byteLength(s, 'utf8');
  return len >= width ? s : s + ' '.repeat(width - len);
}

/** strcasecmp: ASCII letters folded to lower case, then bytes. */
function asciiCaseCompare(a: string, b: string): number {
  const fold = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return byteCompare(fold(a), fold(b));
}

/** models object_property_help: "  name=<type>", padded to column 24 before " - " when there is more. */
export function objectPropertyHelp(p: PropertyInfo): string {
  let line = `  ${p.name}=<${p.type}>`;
  if (p.description !== undefined || p.defaultValue !== undefined) {
    line = padBytes(line, 24) + ' - ';
  }
  if (p.description !== undefined) line += p.description;
  if (p.defaultValue !== undefined) line += ` (default: ${p.defaultValue})`;
  return line;
}

/** models the shared tail of qdev_device_help and type_print_class_properties: header, then sorted lines. */
export function formatPropertiesHelp(typeName: string, properties: readonly PropertyInfo[]): string {
  if (properties.length === 0) return `There are no options for ${typeName}.\n`;
  const lines = properties.map(objectPropertyHelp).sort(byteCompare);
  return `${typeName} options:\n${lines.map((l) => `${l}\n`).join('')}`;
}

/** Properties qmp_device_list_properties never reports. */
function isListedDeviceProperty(name: string): boolean {
  const hidden = ['type', 'realized', 'hotpluggable', 'hotplugged', 'parent_bus'];
  return !hidden.includes(name) && !name.startsWith('legacy-');
}

export type DeviceHelpResult =
  | { readonly kind: 'text'; readonly stdout: string }
  /** Printed with the -device location; QEMU still exits 0. */
  | { readonly kind: 'error'; readonly message: string };

/** models qdev_device_help for `-device DRIVER,help`: exact type name first, then the alias table. */
export function deviceHelp(driver: string, devices: readonly DeviceTypeInfo[]): DeviceHelpResult {
  const type = devices.find((d) => d.name === driver) ?? devices.find((d) => d.alias === driver);
  if (!type) return { kind: 'error', message: `Device '${driver}' not found` };
  if (type.abstract) return { kind: 'error', message: "Parameter 'typename' expects a non-abstract device type" };
  return { kind: 'text', stdout: formatPropertiesHelp(type.name, type.properties.filter((p) => isListedDeviceProperty(p.name))) };
}

/** models qdev_print_devinfo: `name "T"[, bus B][, alias "A"][, desc "D"][, no-user]`. */
export function formatDeviceInfoLine(d: DeviceTypeInfo): string {
  let line = `name "${d.name}"`;
  if (d.bus !== undefined) line += `, bus ${d.bus}`;
  if (d.alias !== undefined) line += `, alias "${d.alias}"`;
  if (d.desc !== undefined) line += `, desc "${d.desc}"`;
  if (d.userCreatable === false) line += ', no-user';
  return `${line}\n`;
}

/**
 * models qdev_print_devinfos for `-device help`: sections in category bit order, each
 * device under every category it has (uncategorised ones last), sorted case-insensitively.
 * A section after the first category index starts with a blank line even if it is the
 * first one printed, as in QEMU.
 */
export function formatDeviceList(devices: readonly DeviceTypeInfo[], showNoUser = false): string {
  const sorted = devices.filter((d) => !d.abstract).sort((a, b) => asciiCaseCompare(a.name, b.name));
  let out = '';
  const sections: [string, (d: DeviceTypeInfo) => boolean][] = [
    ...DEVICE_CATEGORIES.map((c): [string, (d: DeviceTypeInfo) => boolean] => [CATEGORY_TITLES[c], (d) => (d.categories ?? []).includes(c)]),
    ['Uncategorized', (d) => (d.categories ?? []).length === 0],
  ];
  sections.forEach(([title, member], i) => {
    const shown = sorted.filter((d) => member(d) && (showNoUser || d.userCreatable !== false));
    if (shown.length === 0) return;
    out += `${i ? '\n' : ''}${title} devices:\n`;
    for (const d of shown) out += formatDeviceInfoLine(d);
  });
  return out;
}

/** models qemu_opts_print_help(list, true): sorted "  name=<type>[ - help]" lines under a caption. */
export function formatOptsListHelp(list: QemuOptsList): string {
  const lines = list.desc.map((d) => {
    const line = `  ${d.name}=<${optTypeToString(d.type)}>`;
    return d.help === undefined ? line : `${padBytes(line, 24)} - ${d.help}`;
  }).sort(byteCompare);
  if (lines.length === 0) return `There are no options for ${list.name}.\n`;
  return `${list.name} options:\n${lines.map((l) => `${l}\n`).join('')}`;
}

/** models machine_class_cmp: families first (alphabetical, newest first inside), then the rest by class name. */
function machineCompare(a: MachineTypeInfo, b: MachineTypeInfo): number {
  const classA = `${a.name}-machine`;
  const classB = `${b.name}-machine`;
  if (a.family === undefined) return b.family === undefined ? byteCompare(classA, classB) : 1;
  if (b.family === undefined) return -1;
  return byteCompare(a.family, b.family) || byteCompare(classB, classA);
}

/** models find_machine: by name, then by alias. */
export function findMachine(type: string, machines: readonly MachineTypeInfo[]): MachineTypeInfo | undefined {
  return machines.find((m) => m.name === type || m.alias === type);
}

/**
 * models machine_help_func for `-machine [TYPE,]help`: the class properties of a known
 * TYPE, else the list of machines with aliases printed before their targets.
 */
export function formatMachineHelp(type: string | undefined, machines: readonly MachineTypeInfo[]): string {
  const found = type === undefined ? undefined : findMachine(type, machines);
  if (found) return formatPropertiesHelp(`${found.name}-machine`, found.properties ?? []);
  let out = 'Supported machines are:\n';
  for (const m of [...machines].sort(machineCompare)) {
    if (m.alias !== undefined) out += `${padBytes(m.alias, 20)} ${m.desc} (alias of ${m.name})\n`;
    out += `${padBytes(m.name, 20)} ${m.desc}${m.isDefault ? ' (default)' : ''}${m.deprecated ? ' (deprecated)' : ''}\n`;
  }
  return out;
}

/** models the -accel help listing in vl.c (the accelerators built into the binary, in class-list order). */
export function formatAccelHelp(accelerators: readonly string[]): string {
  return `Accelerators supported in QEMU binary:\n${accelerators.map((a) => `${a}\n`).join('')}`;
}

/** models version(): `-version` output; `fullVersion` is QEMU_FULL_VERSION, e.g. "7.2.22 (Debian …)". */
export function formatVersion(fullVersion: string): string {
  return `QEMU emulator version ${fullVersion}\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n`;
}
