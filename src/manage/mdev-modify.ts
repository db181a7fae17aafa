// `mdevctl modify`: one change to a definition (type, one attribute added or removed at an
// index, start mode) as 1.2.0 applies it; 1.3's `--jsonfile` replaces the definition, and
// `--live` (ap-check's live modify) gives a running vfio_ap device a new matrix through
// ap_config, with `--defined` the definition too.

import { ApCheckError, checkDefine, checkStart, configMatrix, enforce, VFIO_AP_TYPE } from './ap-check.js';
import { validating, type MdevContext } from './mdev-context.js';
import { MdevctlError, type MdevConfig } from './mdev-config.js';
import { configFromFile } from './mdev-jsonfile.js';
import { definedDevices, writeConfig, type Definition } from './mdev-store.js';
import { activeDevice, MDEV_BASE } from './mdev-sysfs.js';
import { osError } from './os-error.js';

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

/** get_defined_device: the one definition of a UUID (under one parent, if given). */
function definedDevice(ctx: MdevContext, uuid: string, parent?: string): Definition {
  const defs = definedDevices(ctx, uuid, parent);
  const first = defs[0];
  if (first === undefined) throw new MdevctlError(parent !== undefined ? `Mediated device ${parent}/${uuid} is not defined` : `Mediated device ${uuid} is not defined`);
  if (defs.some((d) => d.parent !== first.parent))
    throw new MdevctlError(parent !== undefined ? `Multiple definitions found for ${parent}/${uuid}` : `Multiple definitions found for ${uuid}, specify a parent`);
  // two files naming the same UUID in different forms
  if (defs.length > 1) throw new MdevctlError(`Multiple definitions found for ${first.parent}/${uuid}`);
  return first;
}

/** The changed definition, as 1.2.0 applies the options (type, one attribute edit, start mode). */
function modified(ctx: MdevContext, cfg: MdevConfig, o: ModifyOptions): MdevConfig {
  if (o.jsonfile !== undefined) return configFromFile(ctx, o.jsonfile, '1.3');
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

/**
 * ap-check's live modify: the running vfio_ap device takes the new matrix in one write to
 * ap_config (all-or-nothing in the kernel; the guest sees the hot plug/unplug).
 */
function liveModify(ctx: MdevContext, uuid: string, cfg: MdevConfig): void {
  const live = activeDevice(ctx.b, uuid);
  if (!live) throw new MdevctlError(`Mediated device ${uuid} is not active`);
  if (live.mdevType !== VFIO_AP_TYPE || cfg.mdevType !== VFIO_AP_TYPE) throw new MdevctlError(`Live modification is only supported for ${VFIO_AP_TYPE} devices`);
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

/** `mdevctl modify`: changes the definition; with --live (and --jsonfile) the running device. */
export function mdevModify(ctx: MdevContext, o: ModifyOptions): void {
  ctx.b.files.withLock(() => {
    if (o.live) {
      // the command line requires --jsonfile with --live; 1.3's message for a caller that did not
      if (o.jsonfile === undefined) throw new MdevctlError("'live' option must be used with 'jsonfile' option");
      const cfg = configFromFile(ctx, o.jsonfile, '1.3');
      const parent = o.defined ? definedDevice(ctx, o.uuid, o.parent).parent : undefined;
      liveModify(ctx, o.uuid, cfg);
      if (parent !== undefined) {
        if (validating(ctx)) enforce(checkDefine(ctx.b, o.uuid, cfg));
        writeConfig(ctx, parent, o.uuid, cfg);
      }
      return;
    }
    const def = definedDevice(ctx, o.uuid, o.parent);
    const next = modified(ctx, def.cfg, o);
    if (validating(ctx)) enforce(checkDefine(ctx.b, o.uuid, next));
    writeConfig(ctx, def.parent, o.uuid, next);
  });
}
