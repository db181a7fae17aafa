// ap-check's rules (s390-tools ap_tools/ap-check.c + libap, ecosystem spec §2.4): what
// the vfio-ap mdevctl callout refuses on define, modify and start, with its messages
// (APQNs in decimal `5.171`; vfioctl prints them after `vfioctl: ` instead of `ap-check: `).
// Each check returns every problem it finds; ap-check itself stops at the first.

import { ApMask } from '../core/ap-mask.js';
import { parseHexMask } from '../core/ap-mask-parse.js';
import { AP_RULES_PATH, MDEVCTL_CONFIG_BASE, readTrimmed, type SysfsBackend } from './backend.js';
import { loadMdevConfig, type MdevConfig } from './mdev-config.js';
import { readPersistentMasks } from './ap-rules.js';
import { isTempName } from './root-config-files.js';
import { readConfigData } from './mdev-store.js';
import { uuidOfFileName } from './mdev-uuid.js';
import { parseId } from './ap-ids.js';

export const VFIO_AP_TYPE = 'vfio_ap-passthrough';
export const MATRIX_PARENT = 'matrix';
export const MATRIX_DIR = '/sys/devices/vfio_ap/matrix';

export interface ConfigMatrix {
  apm: ApMask;
  aqm: ApMask;
  adm: ApMask;
}

function ids(value: string): number[] {
  return value
    .split(',')
    .map(parseId)
    .filter((v): v is number => v !== undefined);
}

/** The matrix a config's attributes build, applied in order as the kernel would (ap_config replaces all three). */
export function configMatrix(attrs: readonly [string, string][]): ConfigMatrix {
  let m: ConfigMatrix = { apm: ApMask.empty(), aqm: ApMask.empty(), adm: ApMask.empty() };
  for (const [name, value] of attrs) {
    switch (name) {
      case 'assign_adapter':
        for (const id of ids(value)) m.apm.set(id);
        break;
      case 'unassign_adapter':
        for (const id of ids(value)) m.apm.clear(id);
        break;
      case 'assign_domain':
        for (const id of ids(value)) m.aqm.set(id);
        break;
      case 'unassign_domain':
        for (const id of ids(value)) m.aqm.clear(id);
        break;
      case 'assign_control_domain':
        for (const id of ids(value)) m.adm.set(id);
        break;
      case 'unassign_control_domain':
        for (const id of ids(value)) m.adm.clear(id);
        break;
      case 'ap_config': {
        const parts = value.split(/[,\n]/);
        try {
          m = { apm: parseHexMask(parts[0] ?? ''), aqm: parseHexMask(parts[1] ?? ''), adm: parseHexMask(parts[2] ?? '') };
        } catch {
          /* the kernel refuses it at start; nothing to check here */
        }
        break;
      }
    }
  }
  return m;
}

/** APQNs (adapter × usage domain), adapter-major, ascending. */
export function apqnsOf(m: { apm: ApMask; aqm: ApMask }): [number, number][] {
  const out: [number, number][] = [];
  for (const a of m.apm) for (const d of m.aqm) out.push([a, d]);
  return out;
}

export const apqnText = (a: number, d: number): string => `${a}.${d}`;

export interface Problem {
  message: string;
}

/** A stored config, as ap-check reads /etc/mdevctl.d/matrix/*. */
export interface StoredConfig {
  uuid: string;
  config: MdevConfig;
}

/** Every readable vfio_ap config under /etc/mdevctl.d/matrix (unreadable ones are skipped, as libap does). */
export function matrixConfigs(b: SysfsBackend): StoredConfig[] {
  const dir = `${MDEVCTL_CONFIG_BASE}/${MATRIX_PARENT}`;
  const out: StoredConfig[] = [];
  for (const name of (b.files.list(dir) ?? []).sort()) {
    if (isTempName(name)) continue;
    const uuid = uuidOfFileName(name);
    const data = uuid ? readConfigData(b.files, `${dir}/${name}`) : undefined;
    if (!uuid || data === undefined) continue;
    try {
      out.push({ uuid, config: loadMdevConfig(data) });
    } catch {
      /* not a config ap-check can read */
    }
  }
  return out;
}

/** The active masks (bus/ap/apmask, aqmask), or undefined when unreadable. */
export function activeMasks(b: SysfsBackend): { apmask: ApMask; aqmask: ApMask } | undefined {
  const ap = readTrimmed(b, '/sys/bus/ap/apmask');
  const aq = readTrimmed(b, '/sys/bus/ap/aqmask');
  if (ap === undefined || aq === undefined) return undefined;
  try {
    return { apmask: parseHexMask(ap), aqmask: parseHexMask(aq) };
  } catch {
    return undefined;
  }
}

/** The persistent masks (41-ap.rules), falling back to the active ones per mask. */
export function persistentOrActiveMasks(b: SysfsBackend): { apmask: ApMask; aqmask: ApMask } | undefined {
  const active = activeMasks(b);
  const persistent = readPersistentMasks(b.files.read(AP_RULES_PATH));
  const apmask = persistent.apmask ?? active?.apmask;
  const aqmask = persistent.aqmask ?? active?.aqmask;
  return apmask && aqmask ? { apmask, aqmask } : undefined;
}

/** Host-owned: both the adapter bit in apmask and the domain bit in aqmask. */
const hostOwned = (masks: { apmask: ApMask; aqmask: ApMask }, a: number, d: number): boolean => masks.apmask.has(a) && masks.aqmask.has(d);

/** Active vfio_ap mdevs and the APQNs their `matrix` attribute shows. */
export function activeMatrices(b: SysfsBackend): { uuid: string; apqns: [number, number][] }[] {
  let names: string[];
  try {
    names = b.readdir(MATRIX_DIR);
  } catch {
    return [];
  }
  const out: { uuid: string; apqns: [number, number][] }[] = [];
  for (const name of names.sort()) {
    const uuid = uuidOfFileName(name);
    if (!uuid || name.length !== 36) continue;
    const text = readTrimmed(b, `${MATRIX_DIR}/${name}/matrix`);
    if (text === undefined) continue;
    const apqns: [number, number][] = [];
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]{2})\.([0-9a-f]{4})$/.exec(line.trim());
      if (m) apqns.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16)]);
    }
    out.push({ uuid, apqns });
  }
  return out;
}

/**
 * pre define / pre modify (shared change checks): only vfio_ap configs that autostart are
 * checked — no APQN shared with another auto config, and none owned by the host in the
 * persistent masks.
 */
export function checkDefine(b: SysfsBackend, uuid: string, cfg: MdevConfig, others = matrixConfigs(b)): Problem[] {
  if (cfg.mdevType !== VFIO_AP_TYPE || cfg.start !== 'auto') return [];
  const problems: Problem[] = [];
  const mine = apqnsOf(configMatrix(cfg.attrs));
  for (const other of others) {
    if (other.uuid === uuid || other.config.start !== 'auto' || other.config.mdevType !== VFIO_AP_TYPE) continue;
    const theirs = configMatrix(other.config.attrs);
    for (const [a, d] of mine)
      if (theirs.apm.has(a) && theirs.aqm.has(d)) problems.push({ message: `APQN ${apqnText(a, d)} is defined for autostart by ${other.uuid}` });
  }
  const masks = persistentOrActiveMasks(b);
  if (masks) {
    for (const [a, d] of mine)
      if (hostOwned(masks, a, d))
        problems.push({ message: `APQN ${apqnText(a, d)} is not defined for vfio_ap-passthrough use by the persistent ap bus mask settings` });
  }
  return problems;
}

/**
 * pre start: the vfio_ap module is loaded, control domains come with usage domains, no
 * APQN is in use by another active mdev, none is owned by the host in the active masks.
 */
export function checkStart(b: SysfsBackend, uuid: string, cfg: MdevConfig): Problem[] {
  if (cfg.mdevType !== VFIO_AP_TYPE) return [];
  if (!b.exists('/sys/devices/vfio_ap')) return [{ message: 'vfio_ap module is not loaded' }];
  const m = configMatrix(cfg.attrs);
  const problems: Problem[] = [];
  if (m.aqm.isEmpty() && !m.adm.isEmpty()) problems.push({ message: 'At least one usage domain must be specified' });
  const mine = apqnsOf(m);
  for (const active of activeMatrices(b)) {
    if (active.uuid === uuid) continue;
    const theirs = new Set(active.apqns.map(([a, d]) => (a << 8) | d));
    for (const [a, d] of mine) if (theirs.has((a << 8) | d)) problems.push({ message: `APQN ${apqnText(a, d)} already in use by ${active.uuid}` });
  }
  const masks = activeMasks(b);
  if (masks) {
    for (const [a, d] of mine)
      if (hostOwned(masks, a, d))
        problems.push({ message: `APQN ${apqnText(a, d)} is not allowed for vfio_ap-passthrough use by the active ap bus mask settings` });
  }
  return problems;
}

/** A refusal by ap-check's rules; printed as `vfioctl: <message>`. */
export class ApCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApCheckError';
  }
}

/** Throws ap-check's first complaint, if any. */
export function enforce(problems: Problem[]): void {
  if (problems.length > 0) throw new ApCheckError(problems[0]!.message);
}
