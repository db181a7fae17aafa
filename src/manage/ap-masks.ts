// `vfioctl ap mask`: the AP bus masks, active (/sys/bus/ap/apmask, aqmask) and persistent
// (41-ap.rules), shown and changed the way chzdev/lszdev --type ap do it, refusing a
// change that would give the host an APQN an mdev holds (chzdev's conflict check).

import type { ApMask } from '../core/ap-mask.js';
import { activeMasks, activeMatrices, apqnsOf, configMatrix, matrixConfigs, VFIO_AP_TYPE } from './ap-check.js';
import { AP_RULES_PATH, readTrimmed, type SysfsBackend } from './backend.js';
import { applyMaskList, formatApRules, formatRanges, readPersistentMasks, type MaskName, type PersistentMasks } from './ap-rules.js';
import { osError } from './os-error.js';

/** chzdev's refusal: the lines it prints, then `ap device type configure failed`. */
export class ChzdevError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ChzdevError';
  }
}

/** lszdev --type ap --info's attribute table: active and persistent masks as ranges. */
export function showMasks(b: SysfsBackend): string {
  const active = activeMasks(b);
  const persistent = readPersistentMasks(b.files.read(AP_RULES_PATH));
  const q = (m: ApMask | undefined): string => (m ? `"${formatRanges(m)}"` : '-');
  const rows: [string, string, string][] = [
    ['ATTRIBUTE', 'ACTIVE', 'PERSISTENT'],
    ['apmask', q(active?.apmask), q(persistent.apmask)],
    ['aqmask', q(active?.aqmask), q(persistent.aqmask)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.max(...rows.map((r) => r[1].length)) + 2;
  return rows.map((r) => `${r[0].padEnd(w0)}${r[1].padEnd(w1)}${r[2]}`.trimEnd() + '\n').join('');
}

export interface MaskChange {
  apmask?: string;
  aqmask?: string;
  /** Also write 41-ap.rules (chzdev's default of active + persistent). */
  persistent: boolean;
}

function maxId(b: SysfsBackend, attr: string): number {
  const v = readTrimmed(b, `/sys/bus/ap/${attr}`);
  const n = v === undefined ? NaN : parseInt(v, 10);
  return Number.isNaN(n) ? 255 : Math.min(n, 255);
}

interface Masks {
  apmask: ApMask;
  aqmask: ApMask;
}

/** Which mask made an APQN host-owned: the one whose bit is newly set. */
function culprit(before: Masks, after: Masks, a: number, d: number): MaskName {
  if (after.apmask.has(a) && !before.apmask.has(a)) return 'apmask';
  if (after.aqmask.has(d) && !before.aqmask.has(d)) return 'aqmask';
  return 'apmask';
}

function conflicts(before: Masks, after: Masks, holders: { uuid: string; apqns: [number, number][] }[]): string[] {
  const lines: string[] = [];
  for (const h of holders)
    for (const [a, d] of h.apqns)
      if (after.apmask.has(a) && after.aqmask.has(d)) lines.push(`${culprit(before, after, a, d)} conflicts with mdev ${h.uuid} APQN ${a}.${d}`);
  return lines;
}

/** Applies a change: validated against every mdev first; nothing is written on a conflict. */
export function setMasks(b: SysfsBackend, change: MaskChange): void {
  b.files.withLock(() => {
    const active = activeMasks(b);
    if (!active) throw new ChzdevError(['Cryptographic Adjunct Processor (AP) bus is not available']);
    const maxAp = maxId(b, 'ap_max_adapter_id');
    const maxAq = maxId(b, 'ap_max_domain_id');
    const next = (m: Masks): Masks => ({
      apmask: change.apmask !== undefined ? applyMaskList('apmask', change.apmask, m.apmask, maxAp) : m.apmask,
      aqmask: change.aqmask !== undefined ? applyMaskList('aqmask', change.aqmask, m.aqmask, maxAq) : m.aqmask,
    });
    const newActive = next(active);
    const stored = readPersistentMasks(b.files.read(AP_RULES_PATH));
    const persistentBase: Masks = { apmask: stored.apmask ?? active.apmask, aqmask: stored.aqmask ?? active.aqmask };
    const newPersistent = next(persistentBase);
    const lines = conflicts(active, newActive, activeMatrices(b));
    if (change.persistent) {
      const defined = matrixConfigs(b)
        .filter((c) => c.config.mdevType === VFIO_AP_TYPE)
        .map((c) => ({ uuid: c.uuid, apqns: apqnsOf(configMatrix(c.config.attrs)) }));
      for (const l of conflicts(persistentBase, newPersistent, defined)) if (!lines.includes(l)) lines.push(l);
    }
    if (lines.length > 0) throw new ChzdevError(lines);
    writeActive(b, active, newActive);
    if (change.persistent) {
      const rules: PersistentMasks = { ...stored };
      if (change.apmask !== undefined) rules.apmask = newPersistent.apmask;
      if (change.aqmask !== undefined) rules.aqmask = newPersistent.aqmask;
      b.files.writeAtomic(AP_RULES_PATH, formatApRules(rules));
    }
  });
}

/** Writes the changed masks (apmask first); restores apmask if the aqmask write fails. */
function writeActive(b: SysfsBackend, before: Masks, after: Masks): void {
  const done: MaskName[] = [];
  for (const attr of ['apmask', 'aqmask'] as const) {
    if (after[attr].equals(before[attr])) continue;
    try {
      b.write(`/sys/bus/ap/${attr}`, `${after[attr].toHex()}\n`);
      done.push(attr);
    } catch (e) {
      for (const undo of done) {
        try {
          b.write(`/sys/bus/ap/${undo}`, `${before[undo].toHex()}\n`);
        } catch {
          /* reported below */
        }
      }
      throw new ChzdevError([`Could not write ${attr}: ${osError(e)}`]);
    }
  }
}
