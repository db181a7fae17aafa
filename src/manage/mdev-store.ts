// mdevctl's persistent definitions: /etc/mdevctl.d/<parent>/<uuid>, found as 1.2.0's
// defined_devices finds them (directories in the order they list, files that are not named
// by a UUID warned about, every matching file parsed — a bad one fails the command), read
// and written byte for byte.

import { osError } from './os-error.js';
import { MDEVCTL_CONFIG_BASE, type ConfigFiles } from './backend.js';
import type { MdevContext } from './mdev-context.js';
import { formatMdevConfig, loadMdevConfig, type MdevConfig } from './mdev-config.js';
import { uuidOfFileName } from './mdev-uuid.js';

export const CONFIG_BASE = MDEVCTL_CONFIG_BASE;
/** 1.2.0 keeps its callouts inside the config base. */
const SCRIPTS_DIR = 'scripts.d';

export const configPath = (parent: string, uuid: string): string => `${CONFIG_BASE}/${parent}/${uuid}`;

/** One definition: the parent, the UUID its file name gives, and the file's config. */
export interface Definition {
  parent: string;
  uuid: string;
  /** The file's name (a UUID in any form Uuid::parse_str takes). */
  name: string;
  cfg: MdevConfig;
}

/**
 * The parent directories in listing order. Like 1.2.0 (skip_while over the listing), the
 * scripts directory is passed over only where it comes first.
 */
function parentNames(files: ConfigFiles): string[] {
  const names = files.list(CONFIG_BASE) ?? [];
  let skip = 0;
  while (skip < names.length && names[skip] === SCRIPTS_DIR) skip++;
  return names.slice(skip);
}

/** defined_devices: every definition, or those of one UUID and/or one parent, sorted by parent then UUID. */
export function definedDevices(ctx: MdevContext, uuid?: string, parent?: string): Definition[] {
  const files = ctx.b.files;
  const out: Definition[] = [];
  for (const p of parentNames(files)) {
    if ((parent !== undefined && parent !== p) || files.kind(`${CONFIG_BASE}/${p}`) !== 'dir') continue;
    for (const [name, kind] of files.listKinds(`${CONFIG_BASE}/${p}`) ?? []) {
      if (kind !== 'file') continue;
      const path = `${CONFIG_BASE}/${p}/${name}`;
      const u = uuidOfFileName(name);
      if (u === undefined) {
        ctx.out.warn(`Can't determine uuid for file '${name}'`);
        continue;
      }
      if (uuid !== undefined && u !== uuid) continue;
      let data: string | Uint8Array | undefined;
      try {
        data = readConfigData(files, path);
      } catch (e) {
        ctx.out.warn(`Unable to open file ${JSON.stringify(path)}: ${osError(e)}`);
        continue;
      }
      // vanished since the listing
      if (data === undefined) continue;
      out.push({ parent: p, uuid: u, name, cfg: loadMdevConfig(data) });
    }
  }
  return out.sort((x, y) => (x.parent < y.parent ? -1 : x.parent > y.parent ? 1 : x.uuid < y.uuid ? -1 : x.uuid > y.uuid ? 1 : 0));
}

/**
 * A config file for loadMdevConfig in one read, as text; as bytes when the decode replaced a
 * sequence (mdevctl refuses a file that is not UTF-8; a U+FFFD written in it is valid).
 */
export function readConfigData(files: Pick<ConfigFiles, 'read' | 'readText'>, path: string): string | Uint8Array | undefined {
  const text = files.readText(path);
  return text !== undefined && text.includes('\uFFFD') ? files.read(path) : text;
}

/** Is there a definition at the canonical path (MDev::is_defined: anything there counts)? */
export function isDefined(files: ConfigFiles, parent: string, uuid: string): boolean {
  return files.kind(configPath(parent, uuid)) !== undefined;
}

export function readConfig(ctx: MdevContext, parent: string, uuid: string): MdevConfig | undefined {
  const data = readConfigData(ctx.b.files, configPath(parent, uuid));
  return data === undefined ? undefined : loadMdevConfig(data);
}

export function writeConfig(ctx: MdevContext, parent: string, uuid: string, cfg: MdevConfig): void {
  ctx.b.files.writeAtomic(configPath(parent, uuid), formatMdevConfig(cfg));
}
