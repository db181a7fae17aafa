// mdevctl 1.2.0's verbs over a SysfsBackend (list, types, define, undefine, modify, start,
// stop, start-parent-mdevs), with its output bytes and error texts, plus what the issue
// adds: ap-check's validation before anything is written or created, an atomic start
// (every attribute applied, or the device removed and the first kernel error reported
// with its errno and the attribute), and live modify through ap_config.

import { ERRNO, isKernelError, strerror, errnoNumber, type ErrnoName } from '../core/errno.js';
import { ApCheckError, checkDefine, checkStart, configMatrix, enforce, VFIO_AP_TYPE } from './ap-check.js';
import { basename, dirname, MDEVCTL_CONFIG_BASE, type SysfsBackend } from './backend.js';
import { configFromJson, configToJson, formatMdevConfig, loadMdevConfig, MdevctlError, type MdevConfig } from './mdev-config.js';
import { newUuid, uuidOfFileName } from './mdev-uuid.js';
import { isTempName } from './root-backend.js';
import { INVALID_UTF8, isValidUtf8, JsonObject, jsonObject, parseSerdeJson, SerdeJsonError, toPretty, type JsonValue } from './serde-json.js';

export const MDEV_BASE = '/sys/bus/mdev/devices';
export const PARENT_BASE = '/sys/class/mdev_bus';
export const CONFIG_BASE = MDEVCTL_CONFIG_BASE;
/** 1.2.0 keeps its callouts inside the config base; the parent scan skips it. */
const SCRIPTS_DIR = 'scripts.d';

/** Where a verb's output goes; warnings are env_logger lines as mdevctl prints them. */
export class MdevOutput {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  out(text: string): void {
    this.stdout.push(text);
  }

  err(text: string): void {
    this.stderr.push(text);
  }

  warn(message: string): void {
    const ts = this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.stderr.push(`[${ts} WARN  vfioctl] ${message}\n`);
  }
}

/** Reads a --jsonfile path on the user's filesystem (not under the root); throws Node errors. */
export type ReadFile = (path: string) => Uint8Array;

export interface MdevContext {
  b: SysfsBackend;
  out: MdevOutput;
  readFile: ReadFile;
  /** ap-check's rules on define, modify and start (default true). */
  validate?: boolean;
}

/** A device as mdevctl models it: identity, where it lives, and its definition. */
interface MDev {
  uuid: string;
  parent: string;
  mdevType: string;
  autostart: boolean;
  attrs: [string, string][];
  active: boolean;
  defined: boolean;
}

/** Rust's io::Error Display for an errno: `Address already in use (os error 98)`. */
export function osError(e: unknown): string {
  if (isKernelError(e)) return `${strerror(e.code)} (os error ${errnoNumber(e.code)})`;
  const ne = e as NodeJS.ErrnoException;
  if (ne && typeof ne.errno === 'number' && ne.code) {
    const known = isKnownErrno(ne.code);
    return known ? `${strerror(known)} (os error ${errnoNumber(known)})` : `${ne.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

function isKnownErrno(code: string): ErrnoName | undefined {
  return code in ERRNO ? (code as ErrnoName) : undefined;
}

// ---- sysfs side -------------------------------------------------------------------------

/** load_from_sysfs: the parent (canonical parent dir's name) and type (canonical mdev_type's name). */
export function activeDevice(b: SysfsBackend, uuid: string): { parent: string; mdevType: string } | undefined {
  const path = `${MDEV_BASE}/${uuid}`;
  if (!b.exists(path)) return undefined;
  try {
    const canon = b.realpath(path);
    const parent = basename(dirname(canon));
    const mdevType = basename(b.realpath(`${path}/mdev_type`));
    return { parent, mdevType };
  } catch {
    return undefined;
  }
}

function activeUuids(b: SysfsBackend): string[] {
  let names: string[];
  try {
    names = b.readdir(MDEV_BASE);
  } catch {
    return [];
  }
  return names.map((n) => uuidOfFileName(n)).filter((u): u is string => u !== undefined);
}

// ---- config side ------------------------------------------------------------------------

const configPath = (parent: string, uuid: string): string => `${CONFIG_BASE}/${parent}/${uuid}`;

function definedParents(b: SysfsBackend): string[] {
  return (b.files.list(CONFIG_BASE) ?? []).filter((p) => p !== SCRIPTS_DIR && b.files.kind(`${CONFIG_BASE}/${p}`) === 'dir').sort();
}

/** The UUIDs defined under one parent, warning about files that are not named by one. */
function definedUuids(ctx: MdevContext, parent: string): string[] {
  const out: string[] = [];
  for (const name of ctx.b.files.list(`${CONFIG_BASE}/${parent}`) ?? []) {
    if (isTempName(name)) continue;
    const uuid = uuidOfFileName(name);
    if (!uuid) {
      ctx.out.warn(`Can't determine uuid for file '${name}'`);
      continue;
    }
    out.push(uuid);
  }
  return out.sort();
}

function readConfig(b: SysfsBackend, parent: string, uuid: string): MdevConfig | undefined {
  const bytes = b.files.read(configPath(parent, uuid));
  return bytes === undefined ? undefined : loadMdevConfig(bytes);
}

function writeConfig(b: SysfsBackend, parent: string, uuid: string, cfg: MdevConfig): void {
  b.files.writeAtomic(configPath(parent, uuid), formatMdevConfig(cfg));
}

/** The definitions of a UUID: under one parent, or under every parent. */
function findDefinitions(ctx: MdevContext, uuid: string, parent?: string): string[] {
  const parents = parent !== undefined ? [parent] : definedParents(ctx.b);
  return parents.filter((p) => ctx.b.files.kind(configPath(p, uuid)) === 'file');
}

const toConfig = (d: MDev): MdevConfig => ({ mdevType: d.mdevType, start: d.autostart ? 'auto' : 'manual', attrs: d.attrs });

// ---- output -----------------------------------------------------------------------------

function deviceText(d: MDev, defined: boolean, verbose: boolean): string {
  const mark = defined ? (d.active ? ' (active)' : '') : d.defined ? ' (defined)' : '';
  let s = `${d.uuid} ${d.parent} ${d.mdevType} ${d.autostart ? 'auto' : 'manual'}${mark}\n`;
  if (verbose && d.attrs.length > 0) {
    s += '  Attrs:\n';
    d.attrs.forEach(([k, v], i) => (s += `    @{${i}}: {"${k}":"${v}"}\n`));
  }
  return s;
}

/** format_json: `[{parent: [{uuid: config}, …]}, …]`, or `[]` when empty. */
function devicesJson(devices: MDev[]): string {
  const byParent = new Map<string, MDev[]>();
  for (const d of devices) byParent.set(d.parent, [...(byParent.get(d.parent) ?? []), d]);
  if (byParent.size === 0) return '[]';
  const parents = jsonObject(
    [...byParent.keys()].sort().map((p) => [p, byParent.get(p)!.map((d) => jsonObject([[d.uuid, configToJson(toConfig(d))]]))] as [string, JsonValue]),
  );
  return toPretty([parents]);
}

function sortDevices(devices: MDev[]): MDev[] {
  return devices.sort((x, y) => (x.parent < y.parent ? -1 : x.parent > y.parent ? 1 : x.uuid < y.uuid ? -1 : x.uuid > y.uuid ? 1 : 0));
}

// ---- list -------------------------------------------------------------------------------

export interface ListOptions {
  defined: boolean;
  dumpjson: boolean;
  verbose: boolean;
  uuid?: string;
  parent?: string;
}

/**
 * An active device's definition, applied field by field as load_from_json does: the type
 * (with mdevctl's warning when it differs), the start mode, then the attributes. A file
 * that does not parse is silently ignored (1.2.0 still marks the device defined).
 */
function mergeDefinition(ctx: MdevContext, d: MDev): void {
  const bytes = ctx.b.files.read(configPath(d.parent, d.uuid));
  if (bytes === undefined || !isValidUtf8(bytes)) return;
  let json: JsonValue;
  try {
    json = parseSerdeJson(bytes);
  } catch {
    return;
  }
  if (!(json instanceof JsonObject)) return;
  const type = json.get('mdev_type');
  const start = json.get('start');
  if (type === undefined || type === null || start === undefined || start === null || typeof type !== 'string') return;
  if (type !== d.mdevType) ctx.out.warn(`Overwriting mdev type for mdev ${d.uuid}: ${d.mdevType} => ${type}`);
  d.mdevType = type;
  d.autostart = start === 'auto';
  try {
    d.attrs = configFromJson(json).attrs;
  } catch {
    /* attributes stay as far as they loaded: none */
  }
}

function listActive(ctx: MdevContext, o: ListOptions): MDev[] {
  const devices: MDev[] = [];
  for (const uuid of activeUuids(ctx.b)) {
    if (o.uuid !== undefined && uuid !== o.uuid) continue;
    const info = activeDevice(ctx.b, uuid);
    if (!info) continue;
    if (o.parent !== undefined && info.parent !== o.parent) continue;
    const d: MDev = { uuid, ...info, autostart: false, attrs: [], active: true, defined: false };
    d.defined = ctx.b.files.kind(configPath(d.parent, uuid)) === 'file';
    if (d.defined) mergeDefinition(ctx, d);
    devices.push(d);
  }
  return sortDevices(devices);
}

function listDefined(ctx: MdevContext, o: ListOptions): MDev[] {
  const devices: MDev[] = [];
  const parents = o.parent !== undefined ? (ctx.b.files.kind(`${CONFIG_BASE}/${o.parent}`) === 'dir' ? [o.parent] : []) : definedParents(ctx.b);
  for (const parent of parents) {
    for (const uuid of definedUuids(ctx, parent)) {
      if (o.uuid !== undefined && uuid !== o.uuid) continue;
      // one read per config (a directory or a vanished file reads as undefined)
      const cfg = readConfig(ctx.b, parent, uuid);
      if (!cfg) continue;
      const live = activeDevice(ctx.b, uuid);
      devices.push({
        uuid,
        parent,
        mdevType: cfg.mdevType,
        autostart: cfg.start === 'auto',
        attrs: cfg.attrs,
        active: live !== undefined && live.parent === parent && live.mdevType === cfg.mdevType,
        defined: true,
      });
    }
  }
  return sortDevices(devices);
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
  ctx.out.out(`${devices.map((d) => deviceText(d, o.defined, o.verbose)).join('')}\n`);
}

// ---- types ------------------------------------------------------------------------------

interface TypeInfo {
  id: string;
  available: number;
  deviceApi: string;
  name?: string;
  description?: string;
}

function readValue(b: SysfsBackend, path: string): string | undefined {
  try {
    return b.read(path).trim();
  } catch {
    return undefined;
  }
}

function parentTypes(b: SysfsBackend, parent: string): TypeInfo[] | undefined {
  const dir = `${PARENT_BASE}/${parent}/mdev_supported_types`;
  let names: string[];
  try {
    names = b.readdir(dir);
  } catch {
    return undefined;
  }
  return names.sort().map((id) => {
    const at = `${dir}/${id}`;
    const avail = readValue(b, `${at}/available_instances`);
    const available = avail !== undefined && /^[+-]?\d+$/.test(avail) ? parseInt(avail, 10) : NaN;
    if (Number.isNaN(available)) throw new MdevctlError(avail === undefined ? `Unable to read file ${JSON.stringify(`${at}/available_instances`)}` : 'invalid digit found in string');
    const t: TypeInfo = { id, available, deviceApi: readValue(b, `${at}/device_api`) ?? '' };
    const name = readValue(b, `${at}/name`);
    const description = readValue(b, `${at}/description`);
    if (name) t.name = name;
    if (description) t.description = description;
    return t;
  });
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
  for (const p of parents) {
    if (o.parent !== undefined && p !== o.parent) continue;
    const types = parentTypes(ctx.b, p);
    if (types) found.push([p, types]);
  }
  if (o.dumpjson) {
    if (found.length === 0) return ctx.out.out('[]\n');
    const json = found.map(([p, types]) =>
      jsonObject([
        [
          p,
          types.map((t) => {
            const fields: [string, JsonValue][] = [
              ['available_instances', parseSerdeJson(String(t.available))],
              ['device_api', t.deviceApi],
            ];
            if (t.name) fields.push(['name', t.name]);
            if (t.description) fields.push(['description', t.description]);
            return jsonObject([[t.id, jsonObject(fields)]]);
          }),
        ],
      ]),
    );
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

// ---- define / undefine / modify ---------------------------------------------------------

/** MDev::new_from_jsonfile: the file's config, with mdevctl's messages for every failure. */
function configFromFile(ctx: MdevContext, path: string): MdevConfig {
  let bytes: Uint8Array;
  try {
    bytes = ctx.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MdevctlError(`${code === 'EISDIR' ? 'Unable to read jsonfile' : 'Unable to read file'} ${JSON.stringify(path)}`, osError(e));
  }
  if (!isValidUtf8(bytes)) throw new MdevctlError(`Unable to read jsonfile ${JSON.stringify(path)}`, INVALID_UTF8);
  try {
    return configFromJson(parseSerdeJson(bytes));
  } catch (e) {
    if (e instanceof SerdeJsonError) throw new MdevctlError(e.message);
    throw e;
  }
}

function validating(ctx: MdevContext): boolean {
  return ctx.validate !== false;
}

export interface DefineOptions {
  uuid?: string;
  auto: boolean;
  parent?: string;
  type?: string;
  jsonfile?: string;
}

/** `mdevctl define`: writes the config (after ap-check's define checks); prints a generated UUID. */
export function mdevDefine(ctx: MdevContext, o: DefineOptions): void {
  const uuid = o.uuid ?? newUuid();
  let parent: string;
  let cfg: MdevConfig;
  if (o.jsonfile !== undefined) {
    if (o.parent === undefined) throw new MdevctlError(`Parent device required to define device via ${JSON.stringify(o.jsonfile)}`);
    parent = o.parent;
    cfg = configFromFile(ctx, o.jsonfile);
  } else {
    // a running device supplies the parent and type that were not given
    const live = o.uuid !== undefined ? activeDevice(ctx.b, uuid) : undefined;
    const p = o.parent ?? live?.parent;
    if (p === undefined) throw new MdevctlError('No parent specified');
    const t = o.type ?? live?.mdevType;
    if (t === undefined) throw new MdevctlError('No type specified');
    parent = p;
    cfg = { mdevType: t, start: o.auto ? 'auto' : 'manual', attrs: [] };
  }
  ctx.b.files.withLock(() => {
    if (ctx.b.files.kind(configPath(parent, uuid)) !== undefined) throw new MdevctlError(`Device ${uuid} on ${parent} already defined`);
    if (validating(ctx)) enforce(checkDefine(ctx.b, uuid, cfg));
    writeConfig(ctx.b, parent, uuid, cfg);
  });
  if (o.uuid === undefined) ctx.out.out(`${uuid}\n`);
}

/** `mdevctl undefine -u UUID [-p PARENT]`: removes the config under every (or one) parent. */
export function mdevUndefine(ctx: MdevContext, o: { uuid: string; parent?: string }): void {
  ctx.b.files.withLock(() => {
    const parents = findDefinitions(ctx, o.uuid, o.parent);
    if (parents.length === 0) throw new MdevctlError('No devices match the specified uuid');
    for (const p of parents) {
      try {
        ctx.b.files.remove(configPath(p, o.uuid));
      } catch (e) {
        throw new MdevctlError(`Failed to remove file ${JSON.stringify(configPath(p, o.uuid))}`, osError(e));
      }
    }
  });
}

export interface ModifyOptions {
  uuid: string;
  parent?: string;
  type?: string;
  addattr?: string;
  value?: string;
  delattr: boolean;
  index?: number;
  auto: boolean;
  manual: boolean;
  jsonfile?: string;
  /** Apply to the running device (through ap_config). */
  live: boolean;
  /** With --live: also change the definition. */
  defined: boolean;
}

function singleDefinition(ctx: MdevContext, uuid: string, parent?: string): string {
  const parents = findDefinitions(ctx, uuid, parent);
  if (parents.length === 0) throw new MdevctlError(parent !== undefined ? `Mediated device ${parent}/${uuid} is not defined` : `Mediated device ${uuid} is not defined`);
  if (parents.length > 1) throw new MdevctlError(`Multiple definitions found for ${uuid}, specify a parent`);
  return parents[0]!;
}

/** The changed definition, as 1.2.0 applies the options (type, one attribute edit, start mode). */
function modified(ctx: MdevContext, cfg: MdevConfig, o: ModifyOptions): MdevConfig {
  if (o.jsonfile !== undefined) return configFromFile(ctx, o.jsonfile);
  const next: MdevConfig = { ...cfg, attrs: [...cfg.attrs] };
  if (o.type !== undefined) next.mdevType = o.type;
  if (o.addattr !== undefined) {
    const entry: [string, string] = [o.addattr, o.value ?? ''];
    if (o.index === undefined) next.attrs.push(entry);
    else if (o.index > next.attrs.length) throw new MdevctlError(`Attribute index ${o.index} is invalid`);
    else next.attrs.splice(o.index, 0, entry);
  } else if (o.delattr) {
    // 1.2.0 panics for index == length; we report it like any other bad index
    if (o.index === undefined) next.attrs.pop();
    else if (o.index >= next.attrs.length) throw new MdevctlError(`Attribute index ${o.index} is invalid`);
    else next.attrs.splice(o.index, 1);
  }
  if (o.auto) next.start = 'auto';
  if (o.manual) next.start = 'manual';
  return next;
}

/** `mdevctl modify`: changes the definition; with --live (and --jsonfile) the running device. */
export function mdevModify(ctx: MdevContext, o: ModifyOptions): void {
  ctx.b.files.withLock(() => {
    if (o.live) {
      const cfg = o.jsonfile !== undefined ? configFromFile(ctx, o.jsonfile) : undefined;
      if (!cfg) throw new MdevctlError('--live requires --jsonfile');
      const parent = o.defined ? singleDefinition(ctx, o.uuid, o.parent) : undefined;
      liveModify(ctx, o.uuid, cfg);
      if (parent !== undefined) {
        if (validating(ctx)) enforce(checkDefine(ctx.b, o.uuid, cfg));
        writeConfig(ctx.b, parent, o.uuid, cfg);
      }
      return;
    }
    const parent = singleDefinition(ctx, o.uuid, o.parent);
    const current = readConfig(ctx.b, parent, o.uuid)!;
    const next = modified(ctx, current, o);
    if (validating(ctx)) enforce(checkDefine(ctx.b, o.uuid, next));
    writeConfig(ctx.b, parent, o.uuid, next);
  });
}

/**
 * ap-check's live modify: the running vfio_ap device takes the new matrix in one write to
 * ap_config (all-or-nothing in the kernel; the guest sees the hot plug/unplug).
 */
function liveModify(ctx: MdevContext, uuid: string, cfg: MdevConfig): void {
  const live = activeDevice(ctx.b, uuid);
  if (!live) throw new MdevctlError(`Mediated device ${uuid} is not active`);
  if (live.mdevType !== VFIO_AP_TYPE || cfg.mdevType !== VFIO_AP_TYPE)
    throw new MdevctlError(`Live modification is only supported for ${VFIO_AP_TYPE} devices`);
  const attr = `${MDEV_BASE}/${uuid}/ap_config`;
  if (!ctx.b.exists(attr)) throw new ApCheckError('vfio-ap module does not support ap_config for live modification');
  if (validating(ctx)) enforce(checkStart(ctx.b, uuid, cfg));
  const m = configMatrix(cfg.attrs);
  const value = `${m.apm.toHex()},${m.aqm.toHex()},${m.adm.toHex()}\n`;
  try {
    ctx.b.write(attr, value);
  } catch (e) {
    throw new MdevctlError(`Failed to write ${value.trim()} to attribute ap_config`, osError(e));
  }
}

// ---- start / stop -----------------------------------------------------------------------

export interface StartOptions {
  uuid?: string;
  parent?: string;
  type?: string;
  jsonfile?: string;
}

/** find_parent_dir: the parent's directory, or mdevctl's hint about a case mismatch. */
function findParentDir(b: SysfsBackend, parent: string): string {
  const path = `${PARENT_BASE}/${parent}`;
  if (b.exists(path) && b.stat(path).kind === 'dir') return path;
  let names: string[] = [];
  try {
    names = b.readdir(PARENT_BASE);
  } catch {
    /* no mdev parents at all */
  }
  const similar = names.find((n) => n.toLowerCase() === parent.toLowerCase());
  if (similar !== undefined) throw new MdevctlError(`Unable to find parent device '${parent}'. Did you mean '${similar}'?`);
  throw new MdevctlError(`Unable to find parent device '${parent}'`);
}

function isDir(b: SysfsBackend, path: string): boolean {
  try {
    return b.stat(path).kind === 'dir';
  } catch {
    return false;
  }
}

/** MDev::create: the existence and parent checks, then the write to `create`. */
function create(ctx: MdevContext, d: MDev): void {
  const existing = activeDevice(ctx.b, d.uuid);
  if (existing) {
    if (existing.parent !== d.parent) throw new MdevctlError('Device exists under different parent');
    if (existing.mdevType !== d.mdevType) throw new MdevctlError('Device exists with different type');
    throw new MdevctlError('Device already exists');
  }
  const parentDir = findParentDir(ctx.b, d.parent);
  const typesDir = `${parentDir}/mdev_supported_types`;
  if (!isDir(ctx.b, typesDir)) throw new MdevctlError(`Parent ${d.parent} is not currently registered for mdev support`);
  const typeDir = `${typesDir}/${d.mdevType}`;
  if (!isDir(ctx.b, typeDir)) throw new MdevctlError(`Parent ${d.parent} does not support mdev type ${d.mdevType}`);
  let availText: string;
  try {
    availText = ctx.b.read(`${typeDir}/available_instances`).trim();
  } catch (e) {
    throw new MdevctlError(osError(e));
  }
  if (!/^[+-]?\d+$/.test(availText)) throw new MdevctlError('invalid digit found in string');
  if (parseInt(availText, 10) === 0) throw new MdevctlError(`No available instances of ${d.mdevType} on ${d.parent}`);
  try {
    ctx.b.write(`${typeDir}/create`, d.uuid);
  } catch (e) {
    throw new MdevctlError(`Failed to create mdev ${d.uuid}, type ${d.mdevType} on ${d.parent}`, osError(e));
  }
}

/** write_attr: the attribute must exist and be writable, then one write of the value. */
function writeAttr(ctx: MdevContext, uuid: string, name: string, value: string): void {
  const path = `${MDEV_BASE}/${uuid}/${name}`;
  let mode: number;
  try {
    mode = ctx.b.stat(path).mode;
  } catch {
    throw new MdevctlError(`Invalid attribute '${name}'`);
  }
  if ((mode & 0o222) === 0) throw new MdevctlError(`Attribute '${name}' cannot be set`);
  try {
    ctx.b.write(path, value);
  } catch (e) {
    throw new MdevctlError(`Failed to write ${value} to attribute ${name}`, osError(e));
  }
}

function removeDevice(b: SysfsBackend, uuid: string): void {
  try {
    b.write(`${MDEV_BASE}/${uuid}/remove`, '1');
  } catch (e) {
    throw new MdevctlError(`Error removing device ${uuid}`, osError(e));
  }
}

/** Starts a device atomically: validated, created, every attribute written — or removed again. */
function start(ctx: MdevContext, d: MDev): void {
  if (validating(ctx)) enforce(checkStart(ctx.b, d.uuid, toConfig(d)));
  create(ctx, d);
  for (const [name, value] of d.attrs) {
    try {
      writeAttr(ctx, d.uuid, name, value);
    } catch (e) {
      try {
        removeDevice(ctx.b, d.uuid);
      } catch (r) {
        // both failed: report the attribute's error first, then the failed clean-up
        if (e instanceof MdevctlError && r instanceof MdevctlError)
          throw new MdevctlError(e.message, `${e.detail ?? ''}\n    then: ${r.message}: ${r.detail ?? ''}`);
      }
      throw e;
    }
  }
}

/** `mdevctl start`: a defined device by UUID, or a transient one from parent + type or jsonfile. */
export function mdevStart(ctx: MdevContext, o: StartOptions): void {
  ctx.b.files.withLock(() => {
    let d: MDev;
    let printUuid = false;
    if (o.jsonfile !== undefined || o.type !== undefined) {
      if (o.parent === undefined)
        throw new MdevctlError(o.jsonfile !== undefined ? `Parent device required to start device via ${JSON.stringify(o.jsonfile)}` : 'Device is insufficiently specified');
      const cfg: MdevConfig = o.jsonfile !== undefined ? configFromFile(ctx, o.jsonfile) : { mdevType: o.type!, start: 'manual', attrs: [] };
      d = { uuid: o.uuid ?? newUuid(), parent: o.parent, mdevType: cfg.mdevType, autostart: cfg.start === 'auto', attrs: cfg.attrs, active: false, defined: false };
      printUuid = true;
    } else {
      if (o.uuid === undefined) throw new MdevctlError('Device is insufficiently specified');
      const parents = findDefinitions(ctx, o.uuid, o.parent);
      if (parents.length === 0) throw new MdevctlError('Device is insufficiently specified');
      if (parents.length > 1) throw new MdevctlError(`Multiple definitions found for device ${o.uuid}. Please specify a parent.`);
      const cfg = readConfig(ctx.b, parents[0]!, o.uuid)!;
      d = { uuid: o.uuid, parent: parents[0]!, mdevType: cfg.mdevType, autostart: cfg.start === 'auto', attrs: cfg.attrs, active: false, defined: true };
    }
    start(ctx, d);
    if (printUuid) ctx.out.out(`${d.uuid}\n`);
  });
}

/** `mdevctl stop -u UUID`: writes 1 to the device's remove. */
export function mdevStop(ctx: MdevContext, o: { uuid: string }): void {
  ctx.b.files.withLock(() => removeDevice(ctx.b, o.uuid));
}

/**
 * `mdevctl start-parent-mdevs PARENT` (udev's autostart): starts every `auto` definition of
 * the parent that is not running; a failure is reported and the others still start.
 * Returns the failures (uuid, rendered error).
 */
export function mdevStartParent(ctx: MdevContext, parent: string): { uuid: string; error: unknown }[] {
  const failures: { uuid: string; error: unknown }[] = [];
  ctx.b.files.withLock(() => {
    for (const uuid of definedUuids(ctx, parent)) {
      let cfg: MdevConfig | undefined;
      try {
        cfg = readConfig(ctx.b, parent, uuid);
      } catch (error) {
        failures.push({ uuid, error });
        continue;
      }
      if (!cfg || cfg.start !== 'auto' || activeDevice(ctx.b, uuid)) continue;
      try {
        start(ctx, { uuid, parent, mdevType: cfg.mdevType, autostart: true, attrs: cfg.attrs, active: false, defined: true });
      } catch (error) {
        if (!(error instanceof MdevctlError || error instanceof ApCheckError)) throw error;
        failures.push({ uuid, error });
      }
    }
  });
  return failures;
}
