// `mdevctl list [-d] [-v] [--dumpjson] [-u UUID] [-p PARENT]`: the running devices (with
// their definitions merged in) or the defined ones (marked active when the running device
// matches), as text or as format_json's JSON.

import type { MdevContext } from './mdev-context.js';
import { addAttributes, configToJson, loadMdevConfig, type MdevConfig } from './mdev-config.js';
import { fromConfig, toConfig, type MDev } from './mdev-device.js';
import { configPath, definedDevices, isDefined, readConfigData } from './mdev-store.js';
import { activeDevice, activeUuids } from './mdev-sysfs.js';
import { isValidUtf8, JsonObject, jsonObject, parseSerdeJson, toPretty, type JsonValue } from './serde-json.js';

export interface ListOptions {
  defined: boolean;
  dumpjson: boolean;
  verbose: boolean;
  uuid?: string;
  parent?: string;
}

/** MDev::to_text. */
function deviceText(d: MDev, definedListing: boolean, verbose: boolean): string {
  const mark = definedListing ? (d.active ? ' (active)' : '') : d.defined ? ' (defined)' : '';
  let s = `${d.uuid} ${d.parent} ${d.mdevType} ${d.autostart ? 'auto' : 'manual'}${mark}\n`;
  if (verbose && d.attrs.length > 0) {
    s += '  Attrs:\n';
    d.attrs.forEach(([k, v], i) => (s += `    @{${i}}: {"${k}":"${v}"}\n`));
  }
  return s;
}

/** format_json: `[{parent: [{uuid: config}, …], …}]`, or `[]` when empty. */
function devicesJson(devices: MDev[]): string {
  const byParent = new Map<string, MDev[]>();
  for (const d of devices) {
    const list = byParent.get(d.parent);
    if (list) list.push(d);
    else byParent.set(d.parent, [d]);
  }
  if (byParent.size === 0) return '[]';
  const parents = jsonObject(
    [...byParent.keys()].sort().map((p) => [p, byParent.get(p)!.map((d) => jsonObject([[d.uuid, configToJson(toConfig(d))]]))] as [string, JsonValue]),
  );
  return toPretty([parents]);
}

function sortDevices(devices: MDev[]): MDev[] {
  return devices.sort((x, y) => (x.parent < y.parent ? -1 : x.parent > y.parent ? 1 : x.uuid < y.uuid ? -1 : x.uuid > y.uuid ? 1 : 0));
}

/**
 * MDev::load_definition, whose failure list ignores: the type (with mdevctl's warning when
 * it differs), the start mode, then the attributes as far as they load. False when there
 * was no file to read.
 */
function mergeDefinition(ctx: MdevContext, d: MDev): boolean {
  let data: string | Uint8Array | undefined;
  try {
    data = readConfigData(ctx.b.files, configPath(d.parent, d.uuid));
  } catch {
    return false;
  }
  if (data === undefined) return false;
  let whole: MdevConfig | undefined;
  try {
    whole = loadMdevConfig(data);
  } catch {
    /* what loads of it, below */
  }
  if (whole) {
    if (whole.mdevType !== d.mdevType) ctx.out.warn(`Overwriting mdev type for mdev ${d.uuid}: ${d.mdevType} => ${whole.mdevType}`);
    d.mdevType = whole.mdevType;
    d.autostart = whole.start === 'auto';
    d.attrs.push(...whole.attrs);
    return true;
  }
  // what loads of it: the file's own bytes (a text read is its exact decode)
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (!isValidUtf8(bytes)) return true;
  let json: JsonValue;
  try {
    json = parseSerdeJson(bytes);
  } catch {
    return true;
  }
  if (!(json instanceof JsonObject)) return true;
  const type = json.get('mdev_type');
  const start = json.get('start');
  if (type === undefined || type === null || start === undefined || start === null || typeof type !== 'string') return true;
  if (type !== d.mdevType) ctx.out.warn(`Overwriting mdev type for mdev ${d.uuid}: ${d.mdevType} => ${type}`);
  d.mdevType = type;
  d.autostart = start === 'auto';
  try {
    addAttributes(json.get('attrs'), d.attrs);
  } catch {
    /* the attributes before the bad one stay */
  }
  return true;
}

function listActive(ctx: MdevContext, o: ListOptions): MDev[] {
  const devices: MDev[] = [];
  for (const uuid of activeUuids(ctx)) {
    if (o.uuid !== undefined && uuid !== o.uuid) continue;
    const info = activeDevice(ctx.b, uuid);
    if (!info) continue;
    if (o.parent !== undefined && info.parent !== o.parent) continue;
    const d: MDev = { uuid, ...info, autostart: false, attrs: [], active: true, defined: false };
    // a file there is read (and counts as defined); anything else there counts too (is_defined)
    d.defined = mergeDefinition(ctx, d) || isDefined(ctx.b.files, info.parent, uuid);
    devices.push(d);
  }
  return sortDevices(devices);
}

function listDefined(ctx: MdevContext, o: ListOptions): MDev[] {
  return definedDevices(ctx, o.uuid, o.parent).map((def) => {
    const d = fromConfig(def.uuid, def.parent, def.cfg, def.name === def.uuid || isDefined(ctx.b.files, def.parent, def.uuid));
    const live = activeDevice(ctx.b, def.uuid, def.parent);
    d.active = live !== undefined && live.parent === d.parent && live.mdevType === d.mdevType;
    return d;
  });
}

/** `mdevctl list [-d] [-v] [--dumpjson] [-u UUID] [-p PARENT]`. */
export function mdevList(ctx: MdevContext, o: ListOptions): void {
  const devices = o.defined ? listDefined(ctx, o) : listActive(ctx, o);
  if (o.dumpjson) {
    // a single device asked for by UUID prints just its config (what --jsonfile takes)
    if (o.uuid !== undefined && devices.length === 1) ctx.out.out(`${toPretty(configToJson(toConfig(devices[0]!)))}\n`);
    else ctx.out.out(`${devicesJson(devices)}\n`);
    return;
  }
  // a defined listing prints only devices at their canonical path (to_text's is_defined)
  const shown = o.defined ? devices.filter((d) => d.defined) : devices;
  ctx.out.out(`${shown.map((d) => deviceText(d, o.defined, o.verbose)).join('')}\n`);
}
