// Mediated devices as mdevctl finds them in sysfs (MDev::load_from_sysfs): the running
// devices under /sys/bus/mdev/devices, each one's parent (its canonical directory's parent)
// and type (the canonical mdev_type link's name); the parents under /sys/class/mdev_bus.

import type { SysfsBackend } from './backend.js';
import type { MdevContext } from './mdev-context.js';
import { uuidOfFileName } from './mdev-uuid.js';

export const MDEV_BASE = '/sys/bus/mdev/devices';
export const PARENT_BASE = '/sys/class/mdev_bus';

/**
 * load_from_sysfs: the running device's parent and type, or undefined when it is not
 * running. Given the parent a definition names, a device under another parent is not
 * looked at further (its type is not read), as in mdevctl.
 */
export function activeDevice(b: SysfsBackend, uuid: string, parent?: string): { parent: string; mdevType: string } | undefined {
  const path = `${MDEV_BASE}/${uuid}`;
  try {
    // canonicalize(path).parent(): the device is a directory, so its `..`
    const found = b.canonicalBasename(path, '..');
    if (parent !== undefined && found !== parent) return { parent: found, mdevType: '' };
    return { parent: found, mdevType: b.canonicalBasename(path, 'mdev_type') };
  } catch {
    return undefined;
  }
}

/** The running devices' UUIDs, warning about entries that are not named by one (as mdevctl list does). */
export function activeUuids(ctx: MdevContext): string[] {
  let names: string[];
  try {
    names = ctx.b.readdir(MDEV_BASE);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const uuid = uuidOfFileName(name);
    if (uuid === undefined) ctx.out.warn(`Can't determine uuid for file '${name}'`);
    else out.push(uuid);
  }
  return out;
}
