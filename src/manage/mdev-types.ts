// `mdevctl types [-p PARENT] [--dumpjson]`: each parent's supported types with their
// available instances, device API, name and description, as text or as one JSON object
// holding every parent (supported_types and types_command_helper).

import { basename, type SysfsBackend } from './backend.js';
import type { MdevContext } from './mdev-context.js';
import { MdevctlError } from './mdev-config.js';
import { PARENT_BASE } from './mdev-sysfs.js';
import { osError } from './os-error.js';
import { jsonObject, JsonNumber, toPretty, type JsonValue } from './serde-json.js';

interface TypeInfo {
  id: string;
  available: number;
  deviceApi: string;
  name: string;
  description: string;
}

/** fs::read_to_string(..)?.trim(): a failure is the OS error alone. */
function readValue(b: SysfsBackend, path: string): string {
  try {
    return b.read(path).trim();
  } catch (e) {
    throw new MdevctlError(osError(e));
  }
}

/** An optional attribute (`if path.exists()`). */
function readOptional(b: SysfsBackend, path: string): string {
  return b.exists(path) ? readValue(b, path) : '';
}

function isDir(b: SysfsBackend, path: string): boolean {
  try {
    return b.stat(path).kind === 'dir';
  } catch (e) {
    throw new MdevctlError(osError(e));
  }
}

function parentTypes(b: SysfsBackend, parent: string): TypeInfo[] {
  const dir = `${PARENT_BASE}/${parent}/mdev_supported_types`;
  let names: string[];
  try {
    names = b.readdir(dir);
  } catch (e) {
    throw new MdevctlError(osError(e));
  }
  const types: TypeInfo[] = [];
  for (const id of names) {
    const at = `${dir}/${id}`;
    if (!isDir(b, at)) continue;
    const avail = readValue(b, `${at}/available_instances`);
    // i32's FromStr
    if (!/^[+-]?\d+$/.test(avail)) throw new MdevctlError(avail === '' ? 'cannot parse integer from empty string' : 'invalid digit found in string');
    const available = parseInt(avail, 10);
    if (available > 0x7fff_ffff) throw new MdevctlError('number too large to fit in target type');
    if (available < -0x8000_0000) throw new MdevctlError('number too small to fit in target type');
    const deviceApi = readValue(b, `${at}/device_api`);
    const name = readOptional(b, `${at}/name`);
    const description = readOptional(b, `${at}/description`).replace(/\n/g, ', ');
    types.push({ id: basename(at), available, deviceApi, name, description });
  }
  return types.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

function typeJson(t: TypeInfo): JsonValue {
  const fields: [string, JsonValue][] = [
    ['available_instances', new JsonNumber(t.available, true)],
    ['device_api', t.deviceApi],
  ];
  if (t.name) fields.push(['name', t.name]);
  if (t.description) fields.push(['description', t.description]);
  return jsonObject([[t.id, jsonObject(fields)]]);
}

/** `mdevctl types [-p PARENT] [--dumpjson]`. */
export function mdevTypes(ctx: MdevContext, o: { parent?: string; dumpjson: boolean }): void {
  let parents: string[];
  try {
    parents = ctx.b.readdir(PARENT_BASE).sort();
  } catch {
    parents = [];
  }
  const found: [string, TypeInfo[]][] = [];
  for (const p of parents) if (o.parent === undefined || p === o.parent) found.push([p, parentTypes(ctx.b, p)]);
  if (o.dumpjson) {
    // one object holding every parent (a host with vfio_ccw and vfio_ap has two)
    const json = found.length === 0 ? [] : [jsonObject(found.map(([p, types]): [string, JsonValue] => [p, types.map(typeJson)]))];
    return ctx.out.out(`${toPretty(json)}\n`);
  }
  let text = '';
  for (const [p, types] of found) {
    text += `${p}\n`;
    for (const t of types) {
      text += `  ${t.id}\n    Available instances: ${t.available}\n    Device API: ${t.deviceApi}\n`;
      if (t.name) text += `    Name: ${t.name}\n`;
      if (t.description) text += `    Description: ${t.description}\n`;
    }
  }
  ctx.out.out(`${text}\n`);
}
