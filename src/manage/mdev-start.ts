// `mdevctl start`, `stop` and `start-parent-mdevs`: which device a start means (1.2.0's
// start_command_helper, in its order of checks), then MDev::create's checks and the write
// to `create`. vfioctl's start is atomic: every attribute is written, or the device is
// removed again and the first error reported (ap-check validates before anything is created).

import { ApCheckError, checkStart, enforce } from './ap-check.js';
import type { SysfsBackend } from './backend.js';
import { validating, type MdevContext } from './mdev-context.js';
import { configFromJson, MdevctlError } from './mdev-config.js';
import { fromConfig, toConfig, type MDev } from './mdev-device.js';
import { readJsonFile } from './mdev-jsonfile.js';
import { CONFIG_BASE, definedDevices, readConfig } from './mdev-store.js';
import { activeDevice, MDEV_BASE, PARENT_BASE } from './mdev-sysfs.js';
import { newUuid, uuidOfFileName } from './mdev-uuid.js';
import { osError } from './os-error.js';

export interface StartOptions {
  uuid?: string;
  parent?: string;
  type?: string;
  jsonfile?: string;
}

/** find_parent_dir: the parent's directory, or mdevctl's hint about a case mismatch. */
function findParentDir(b: SysfsBackend, parent: string): string {
  const path = `${PARENT_BASE}/${parent}`;
  if (isDir(b, path)) return path;
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
        if (e instanceof MdevctlError && r instanceof MdevctlError) throw new MdevctlError(e.message, `${e.detail ?? ''}\n    then: ${r.message}: ${r.detail ?? ''}`);
      }
      throw e;
    }
  }
}

/** start_command_helper: the device a start names — from a jsonfile, a definition, or parent and type. */
function deviceToStart(ctx: MdevContext, o: StartOptions): MDev {
  if (o.jsonfile !== undefined) {
    // 1.2.0 reads the file before it looks at the parent
    const json = readJsonFile(ctx, o.jsonfile, '1.2');
    if (o.parent === undefined) throw new MdevctlError('Parent device required to start device via json file');
    return fromConfig(o.uuid ?? newUuid(), o.parent, configFromJson(json), false);
  }
  if (o.uuid !== undefined) {
    const defs = definedDevices(ctx, o.uuid, o.parent);
    if (defs.length > 1) throw new MdevctlError(`Multiple definitions found for device ${o.uuid}. Please specify a parent.`);
    const def = defs[0];
    if (def !== undefined) {
      if (o.type !== undefined && o.type !== def.cfg.mdevType) throw new MdevctlError(`Device ${o.uuid} already exists on parent ${def.parent} with type ${def.cfg.mdevType}`);
      return fromConfig(o.uuid, def.parent, def.cfg, true);
    }
  }
  if (o.type !== undefined && o.parent === undefined) throw new MdevctlError("can't provide type without parent");
  if (o.type === undefined || o.parent === undefined) throw new MdevctlError('Device is insufficiently specified');
  return fromConfig(o.uuid ?? newUuid(), o.parent, { mdevType: o.type, start: 'manual', attrs: [] }, false);
}

/** `mdevctl start`: a defined device by UUID, or a transient one; prints the UUID only when it made one up. */
export function mdevStart(ctx: MdevContext, o: StartOptions): void {
  ctx.b.files.withLock(() => {
    const d = deviceToStart(ctx, o);
    start(ctx, d);
    if (o.uuid === undefined) ctx.out.out(`${d.uuid}\n`);
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
    const uuids: string[] = [];
    for (const name of ctx.b.files.list(`${CONFIG_BASE}/${parent}`) ?? []) {
      const uuid = uuidOfFileName(name);
      if (uuid === undefined) ctx.out.warn(`Can't determine uuid for file '${name}'`);
      else uuids.push(uuid);
    }
    for (const uuid of uuids.sort()) {
      let cfg;
      try {
        cfg = readConfig(ctx, parent, uuid);
      } catch (error) {
        failures.push({ uuid, error });
        continue;
      }
      if (!cfg || cfg.start !== 'auto' || activeDevice(ctx.b, uuid)) continue;
      try {
        start(ctx, fromConfig(uuid, parent, cfg, true));
      } catch (error) {
        if (!(error instanceof MdevctlError || error instanceof ApCheckError)) throw error;
        failures.push({ uuid, error });
      }
    }
  });
  return failures;
}
