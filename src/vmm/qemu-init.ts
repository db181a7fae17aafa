// The pieces of qemu_init (softmmu/vl.c) that every target shares: -device options in both
// syntaxes, the device table help prints, -m, -accel's properties, and the help a binary
// prints while it parses its command line.

import {
  formatAccelHelp,
  formatMachineHelp,
  formatOptsListHelp,
  formatVersion,
  qemuOptGet,
  type CommandLineHelp,
  type DeviceTypeInfo,
  type ParsedCommandLine,
  type QemuOpts,
} from './options/index.js';
import type { DeviceClass, TypeRegistry } from './qdev/qdev.js';
import type { DeviceOptions } from './qdev/qdev-monitor.js';
import { QemuError } from './qemu-error.js';
import type { VmmTarget } from './target.js';
import type { QemuProfile } from './vm-context.js';

const MiB = 1n << 20n;

/** DeviceOptions from a parsed -device / device_add QemuOpts. */
export function deviceOptions(opts: QemuOpts): DeviceOptions {
  return {
    driver: qemuOptGet(opts, 'driver'),
    id: opts.id,
    props: opts.opts.filter((o) => o.name !== 'driver').map((o) => [o.name, o.str] as [string, string]),
  };
}

/** DeviceOptions of a JSON -device (qobject_from_json): values as their JSON text for non-strings. */
export function jsonDeviceOptions(json: string): DeviceOptions {
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch {
    throw new QemuError('JSON parse error');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new QemuError("Invalid parameter type for 'device', expected: dict");
  const props: [string, string][] = [];
  let driver: string | undefined;
  let id: string | undefined;
  for (const [k, v] of Object.entries(obj)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (k === 'driver') driver = text;
    else if (k === 'id') id = text;
    else props.push([k, text]);
  }
  return { driver, id, props };
}

/** The table `-device help` and `-device T,help` print from. */
export function deviceTypeInfos(types: TypeRegistry): DeviceTypeInfo[] {
  return types.all().map((c: DeviceClass) => ({
    name: c.typeName,
    properties: c.helpProps ?? c.props.map((p) => ({ name: p.name, type: p.type })),
    ...(c.busType ? { bus: c.busType } : {}),
    ...(c.alias ? { alias: c.alias } : {}),
    ...(c.desc ? { desc: c.desc } : {}),
    categories: [...c.categories],
    userCreatable: c.userCreatable,
    abstract: c.abstract,
  }));
}

/** models parse_memory_options: a suffix-less number means MiB; 0 means the machine's default. */
export function memoryOptions(cl: ParsedCommandLine, defaultRam: bigint): { size: bigint; error?: string } {
  if (!cl.memory) return { size: defaultRam };
  const last = (name: string) => [...cl.memory!.opts].reverse().find((o) => o.name === name);
  const opt = last('size');
  let size = defaultRam;
  if (opt && typeof opt.value === 'bigint' && opt.str !== '') {
    const sz = /\d$/.test(opt.str) ? opt.value * MiB : opt.value;
    if (sz !== 0n) size = sz;
    if (size % MiB !== 0n) return { size, error: 'ram size must be multiples of 1 MiB' };
  }
  if (last('slots') && !last('maxmem')) return { size, error: 'slots specified but no max-size' };
  return { size };
}

/** Accelerator class properties (-accel NAME,prop=...) in QEMU 7.2. */
export const ACCEL_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  tcg: ['id', 'thread', 'tb-size', 'split-wx'],
  kvm: ['id', 'kernel-irqchip', 'kvm-shadow-mem', 'dirty-ring-size', 'notify-vmexit', 'notify-window'],
};

/** What the binary prints on stdout when parsing ends in help (-M help, -accel help, -version ...). */
export function renderEarlyHelp(target: VmmTarget, help: CommandLineHelp | undefined, profile: QemuProfile): string {
  if (!help) return '';
  switch (help.kind) {
    case 'machine':
      return formatMachineHelp(help.type, target.machineTypes(profile));
    case 'accel':
      return formatAccelHelp(target.accelerators);
    case 'opts-list':
      return formatOptsListHelp(help.list);
    case 'version':
      return formatVersion(target.versions[profile]);
    case 'usage':
      return `QEMU emulator version ${target.versions[profile]}\nusage: ${target.progname} [options] [disk_image]\n`;
    case 'audio-help':
      return '';
  }
}
