// `vfioctl mdev check`: every config against the host and against each other, all
// problems at once (ap-check finds them one at a time, and only when a command runs).

import { ApMask } from '../core/ap-mask.js';
import { parseHexMask } from '../core/ap-mask-parse.js';
import { kstrtoul } from '../core/kstrtoul.js';
import { activeMatrices, apqnsOf, apqnText, checkDefine, configMatrix, MATRIX_PARENT, VFIO_AP_TYPE, type StoredConfig } from './ap-check.js';
import { readTrimmed, type SysfsBackend } from './backend.js';
import { loadMdevConfig, MdevctlError, type MdevConfig } from './mdev-config.js';
import { CONFIG_BASE, readConfigData } from './mdev-store.js';
import { PARENT_BASE } from './mdev-sysfs.js';
import { uuidOfFileName } from './mdev-uuid.js';
import { isTempName } from './root-config-files.js';

export interface CheckProblem {
  /** `<parent>/<file name>` */
  config: string;
  message: string;
}

const VFIO_AP_ATTRS = new Set([
  'assign_adapter',
  'unassign_adapter',
  'assign_domain',
  'unassign_domain',
  'assign_control_domain',
  'unassign_control_domain',
  'ap_config',
]);

function hostMask(b: SysfsBackend, attr: string): ApMask | undefined {
  const v = readTrimmed(b, `/sys/bus/ap/${attr}`);
  try {
    return v === undefined ? undefined : parseHexMask(v);
  } catch {
    return undefined;
  }
}

function maxOf(b: SysfsBackend, attr: string): number | undefined {
  const v = readTrimmed(b, `/sys/bus/ap/${attr}`);
  return v === undefined || !/^\d+$/.test(v) ? undefined : parseInt(v, 10);
}

/** Problems of one vfio_ap config's attributes, as the kernel will see them at start. */
function attributeProblems(b: SysfsBackend, cfg: MdevConfig): string[] {
  const out: string[] = [];
  const maxAp = maxOf(b, 'ap_max_adapter_id');
  const maxAq = maxOf(b, 'ap_max_domain_id');
  for (const [name, value] of cfg.attrs) {
    if (!VFIO_AP_ATTRS.has(name)) {
      out.push(`attribute '${name}' does not exist on ${VFIO_AP_TYPE} devices`);
      continue;
    }
    if (name === 'ap_config') {
      try {
        const parts = value.split(/[,\n]/);
        if (parts.length < 3) throw new Error();
        for (const p of parts.slice(0, 3)) parseHexMask(p);
      } catch {
        out.push(`attribute ap_config value '${value}' is not three masks <apm>,<aqm>,<adm>`);
      }
      continue;
    }
    let id: bigint;
    try {
      id = kstrtoul(value);
    } catch {
      out.push(`attribute ${name} value '${value}' is not a number the kernel accepts (kstrtoul base 0: decimal, 0x hex, 0 octal; one id per attribute)`);
      continue;
    }
    const max = name.endsWith('adapter') ? maxAp : maxAq;
    if (max !== undefined && id > BigInt(max)) out.push(`attribute ${name} value '${value}' is above the host's maximum ${max}`);
  }
  return out;
}

/** The LPAR configuration: ids a config names that the host does not have. */
function configurationProblems(b: SysfsBackend, cfg: MdevConfig): string[] {
  const m = configMatrix(cfg.attrs);
  const out: string[] = [];
  const masks: [ApMask, string, string][] = [
    [m.apm, 'ap_adapter_mask', 'adapter'],
    [m.aqm, 'ap_usage_domain_mask', 'usage domain'],
    [m.adm, 'ap_control_domain_mask', 'control domain'],
  ];
  for (const [ids, attr, label] of masks) {
    const host = hostMask(b, attr);
    if (!host) continue;
    for (const id of ids) if (!host.has(id)) out.push(`${label} ${id} (0x${id.toString(16).padStart(2, '0')}) is not in the host's AP configuration (${attr})`);
  }
  if (m.aqm.isEmpty() && !m.adm.isEmpty()) out.push('At least one usage domain must be specified');
  return out;
}

/** Checks every config under /etc/mdevctl.d. */
export function checkConfigs(b: SysfsBackend): { checked: number; problems: CheckProblem[] } {
  const problems: CheckProblem[] = [];
  let checked = 0;
  const parents = (b.files.list(CONFIG_BASE) ?? []).filter((p) => p !== 'scripts.d' && b.files.kind(`${CONFIG_BASE}/${p}`) === 'dir').sort();
  const loaded: StoredConfig[] = [];
  for (const parent of parents) {
    const parentPresent = b.exists(`${PARENT_BASE}/${parent}`);
    for (const name of (b.files.list(`${CONFIG_BASE}/${parent}`) ?? []).sort()) {
      if (isTempName(name)) continue;
      const config = `${parent}/${name}`;
      const add = (message: string) => problems.push({ config, message });
      const uuid = uuidOfFileName(name);
      if (!uuid) {
        add(`Can't determine uuid for file '${name}'`);
        continue;
      }
      checked++;
      let cfg: MdevConfig;
      try {
        cfg = loadMdevConfig(readConfigData(b.files, `${CONFIG_BASE}/${config}`) ?? '');
      } catch (e) {
        if (!(e instanceof MdevctlError)) throw e;
        add(e.message);
        continue;
      }
      if (!parentPresent) add(`Unable to find parent device '${parent}'`);
      else if (!b.exists(`${PARENT_BASE}/${parent}/mdev_supported_types/${cfg.mdevType}`)) add(`Parent ${parent} does not support mdev type ${cfg.mdevType}`);
      if (cfg.mdevType !== VFIO_AP_TYPE) continue;
      if (parent !== MATRIX_PARENT) add(`${VFIO_AP_TYPE} devices belong to the parent '${MATRIX_PARENT}'`);
      for (const m of attributeProblems(b, cfg)) add(m);
      for (const m of configurationProblems(b, cfg)) add(m);
      if (parent === MATRIX_PARENT) loaded.push({ uuid, config: cfg });
    }
  }
  // between configs: each conflicting pair once, on the later config; then the masks
  loaded.forEach((entry, i) => {
    const config = `${MATRIX_PARENT}/${entry.uuid}`;
    for (const p of checkDefine(b, entry.uuid, entry.config, loaded.slice(0, i))) problems.push({ config, message: p.message });
  });
  // an auto config that could not start now because a running mdev holds its APQNs
  const active = activeMatrices(b);
  for (const entry of loaded) {
    if (entry.config.start !== 'auto') continue;
    const mine = apqnsOf(configMatrix(entry.config.attrs));
    for (const other of active) {
      if (other.uuid === entry.uuid) continue;
      const theirs = new Set(other.apqns.map(([a, d]) => (a << 8) | d));
      for (const [a, d] of mine)
        if (theirs.has((a << 8) | d)) problems.push({ config: `${MATRIX_PARENT}/${entry.uuid}`, message: `APQN ${apqnText(a, d)} already in use by ${other.uuid}` });
    }
  }
  return { checked, problems };
}
