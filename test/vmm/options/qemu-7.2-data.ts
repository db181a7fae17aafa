// Device and machine tables for the help tests. vfio-ap and vfio-ccw are written out by
// hand from QEMU 7.2; the long -device/-machine listings are read back from the captured
// output (line by line, padding ignored) so the tests can shuffle and re-render them.

import { readFileSync } from 'node:fs';
import type { DeviceCategory, DeviceTypeInfo, MachineTypeInfo, PropertyInfo } from '../../../src/vmm/options/index.js';

export interface FixtureCase {
  readonly stage: 'parse' | 'help' | 'cpu' | 'later' | 'started';
  readonly note: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const FIXTURE = JSON.parse(
  readFileSync(new URL('./fixtures/qemu-7.2-messages.json', import.meta.url), 'utf8'),
) as { readonly qemu: string; readonly cases: readonly FixtureCase[] };

export function fixtureCase(note: string): FixtureCase {
  const c = FIXTURE.cases.find((x) => x.note === note);
  if (!c) throw new Error(`no fixture case ${note}`);
  return c;
}

/** QEMU_FULL_VERSION of the captured binary. */
export const QEMU_FULL_VERSION = FIXTURE.qemu.replace(/^QEMU emulator version /, '');

const CCW_ID_TEXT = 'Read-only identifier of an I/O device in the channel subsystem, example: fe.1.23ab';

export const VFIO_AP: DeviceTypeInfo = {
  name: 'vfio-ap',
  properties: [{ name: 'sysfsdev', type: 'str' }],
  bus: 'ap-bus',
  desc: 'VFIO-based AP device assignment',
  categories: ['misc'],
};

export const VFIO_CCW: DeviceTypeInfo = {
  name: 'vfio-ccw',
  properties: [
    { name: 'sysfsdev', type: 'str' },
    { name: 'force-orb-pfch', type: 'bool', description: '', defaultValue: 'false' },
    { name: 'bootindex', type: 'int32' },
    { name: 'devno', type: 'str', description: 'Identifier of an I/O device in the channel subsystem, example: fe.1.23ab' },
    { name: 'dev_id', type: 'str', description: CCW_ID_TEXT },
    { name: 'subch_id', type: 'str', description: CCW_ID_TEXT },
    // QOM plumbing that qmp_device_list_properties hides:
    { name: 'realized', type: 'bool' },
    { name: 'hotpluggable', type: 'bool' },
    { name: 'legacy-devno', type: 'str' },
  ],
  bus: 'virtual-css-bus',
  desc: 'VFIO-based subchannel assignment',
  categories: ['misc'],
};

export const AP_DEVICE: DeviceTypeInfo = { name: 'ap-device', properties: [], abstract: true };
export const DIAG288: DeviceTypeInfo = { name: 'diag288', properties: [], desc: 'diag288 device for s390x platform', categories: ['watchdog'] };

/** Reads "  name=<type>[ - description][ (default: x)]" back into a PropertyInfo. */
export function parsePropertyLine(line: string): PropertyInfo {
  const m = /^ {2}([^=]*)=<(.*?)>(?:$| +- (.*)$)/.exec(line);
  if (!m) throw new Error(`not a property line: ${line}`);
  const [, name, type, rest] = m as unknown as [string, string, string, string | undefined];
  if (rest === undefined) return { name, type };
  const d = /^(.*) \(default: (.*)\)$/.exec(rest);
  return d ? { name, type, description: d[1]!, defaultValue: d[2]! } : { name, type, description: rest };
}

/** Reads an "X options:" listing back into its property table. */
export function parsePropertiesListing(stdout: string): PropertyInfo[] {
  return stdout.split('\n').slice(1, -1).map(parsePropertyLine);
}

const CATEGORY_BY_TITLE: Readonly<Record<string, DeviceCategory>> = {
  'Controller/Bridge/Hub': 'bridge', USB: 'usb', Storage: 'storage', Network: 'network', Input: 'input',
  Display: 'display', Sound: 'sound', Misc: 'misc', CPU: 'cpu', Watchdog: 'watchdog',
};

/** Reads `-device help` back into device entries (a device may appear under several categories). */
export function parseDeviceListing(stdout: string): DeviceTypeInfo[] {
  const byName = new Map<string, { name: string; bus?: string; alias?: string; desc?: string; categories: DeviceCategory[] }>();
  let category: DeviceCategory | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^(.*) devices:$/.exec(line);
    if (header) {
      category = CATEGORY_BY_TITLE[header[1]!];
      continue;
    }
    if (line === '') continue;
    const m = /^name "([^"]*)"(?:, bus ([^,]*))?(?:, alias "([^"]*)")?(?:, desc "(.*)")?$/.exec(line);
    if (!m || !category) throw new Error(`not a device line: ${line}`);
    const entry = byName.get(m[1]!) ?? { name: m[1]!, categories: [] };
    if (m[2] !== undefined) entry.bus = m[2];
    if (m[3] !== undefined) entry.alias = m[3];
    if (m[4] !== undefined) entry.desc = m[4];
    entry.categories.push(category);
    byName.set(entry.name, entry);
  }
  return [...byName.values()].map((d) => ({ ...d, properties: [] }));
}

/** Reads `-machine help` back into machine entries, attaching known property tables. */
export function parseMachineListing(stdout: string, properties: ReadonlyMap<string, readonly PropertyInfo[]>): MachineTypeInfo[] {
  const machines = new Map<string, { name: string; desc: string; alias?: string; isDefault?: boolean; properties?: readonly PropertyInfo[] }>();
  const aliases = new Map<string, string>();
  for (const line of stdout.split('\n').slice(1, -1)) {
    const m = /^(\S+) +(.*)$/.exec(line);
    if (!m) throw new Error(`not a machine line: ${line}`);
    const [, name, text] = m as unknown as [string, string, string];
    const alias = / \(alias of (\S+)\)$/.exec(text);
    if (alias) {
      aliases.set(alias[1]!, name);
      continue;
    }
    const isDefault = text.endsWith(' (default)');
    const desc = isDefault ? text.slice(0, -' (default)'.length) : text;
    const props = properties.get(name);
    machines.set(name, { name, desc, ...(isDefault ? { isDefault } : {}), ...(props ? { properties: props } : {}) });
  }
  for (const [target, alias] of aliases) machines.get(target)!.alias = alias;
  return [...machines.values()];
}

export const MACHINE_PROPERTIES: ReadonlyMap<string, readonly PropertyInfo[]> = new Map([
  ['s390-ccw-virtio-7.2', parsePropertiesListing(fixtureCase('machine properties of a versioned type').stdout)],
  ['none', parsePropertiesListing(fixtureCase('machine properties of none').stdout)],
]);

export const MACHINES: readonly MachineTypeInfo[] = parseMachineListing(fixtureCase('machine list').stdout, MACHINE_PROPERTIES);

export const DEVICE_LIST: readonly DeviceTypeInfo[] = parseDeviceListing(fixtureCase('device list').stdout);

export const VIRTIO_RNG_CCW: DeviceTypeInfo = {
  name: 'virtio-rng-ccw',
  alias: 'virtio-rng',
  properties: parsePropertiesListing(fixtureCase('alias resolves to the type name').stdout),
};

/** The device table the help fixtures need. */
export const DEVICES: readonly DeviceTypeInfo[] = [VFIO_AP, VFIO_CCW, VIRTIO_RNG_CCW, DIAG288, AP_DEVICE];

/** CPU models of qemu-system-s390x 7.2 under TCG that the fixtures use ("host" needs KVM). */
export function resolveCpuModel(model: string): string | undefined {
  return ['qemu', 'max', 'z14'].includes(model) ? `${model}-s390x-cpu` : undefined;
}
