// What other tools need to use an mdev (ecosystem spec §3): QEMU's -device argument (old
// style, or the JSON form libvirt emits), a libvirt node-device document for
// `virsh nodedev-define`, and the <hostdev> element of a domain.

import { MATRIX_PARENT, VFIO_AP_TYPE } from './ap-check.js';
import type { SysfsBackend } from './backend.js';
import { loadMdevConfig, MdevctlError, type MdevConfig } from './mdev-config.js';
import { CONFIG_BASE, readConfigData } from './mdev-store.js';
import { activeDevice, MDEV_BASE } from './mdev-sysfs.js';

export const sysfsdev = (uuid: string): string => `${MDEV_BASE}/${uuid}`;

/** `-device vfio-ap,sysfsdev=…`, or libvirt's JSON -device (tests/qemuxmlconfdata/hostdev-subsys-mdev-vfio-ap). */
export function qemuDeviceArgs(uuid: string, json: boolean, id = 'hostdev0'): string {
  if (json) return `-device '${JSON.stringify({ driver: 'vfio-ap', id, sysfsdev: sysfsdev(uuid) })}'`;
  return `-device vfio-ap,sysfsdev=${sysfsdev(uuid)}`;
}

function xmlAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

export interface MdevFacts {
  uuid: string;
  parent: string;
  mdevType: string;
  attrs: [string, string][];
  active: boolean;
  defined: boolean;
}

/**
 * What is known of an mdev: its definition (the one under `matrix` first) and whether it
 * runs. A running device without a definition takes its attributes from the live
 * matrix, as ap-check's `get attributes` reports them (decimal, sorted).
 */
export function mdevFacts(b: SysfsBackend, uuid: string): MdevFacts {
  const live = activeDevice(b, uuid);
  const parents = (b.files.list(CONFIG_BASE) ?? []).filter((p) => p !== 'scripts.d').sort((x, y) => (x === MATRIX_PARENT ? -1 : y === MATRIX_PARENT ? 1 : x < y ? -1 : 1));
  let cfg: MdevConfig | undefined;
  let parent = live?.parent;
  for (const p of live ? [live.parent] : parents) {
    const data = readConfigData(b.files, `${CONFIG_BASE}/${p}/${uuid}`);
    if (data === undefined) continue;
    cfg = loadMdevConfig(data);
    parent = p;
    break;
  }
  if (!cfg && !live) throw new MdevctlError(`Mediated device ${uuid} is neither defined nor active`);
  const attrs = cfg?.attrs ?? liveAttributes(b, uuid);
  return { uuid, parent: parent!, mdevType: cfg?.mdevType ?? live!.mdevType, attrs, active: !!live, defined: !!cfg };
}

/** ap-check's `get attributes`: the live matrix as assign_* attributes, decimal, sorted, de-duplicated. */
export function liveAttributes(b: SysfsBackend, uuid: string): [string, string][] {
  const dir = `${MDEV_BASE}/${uuid}`;
  const adapters = new Set<number>();
  const domains = new Set<number>();
  const controls = new Set<number>();
  try {
    for (const line of b.read(`${dir}/matrix`).split('\n')) {
      const m = /^([0-9a-f]{2})?\.([0-9a-f]{4})?$/.exec(line.trim());
      if (!m) continue;
      if (m[1]) adapters.add(parseInt(m[1], 16));
      if (m[2]) domains.add(parseInt(m[2], 16));
    }
    for (const line of b.read(`${dir}/control_domains`).split('\n')) if (/^[0-9a-f]{4}$/.test(line.trim())) controls.add(parseInt(line, 16));
  } catch {
    return [];
  }
  const sorted = (s: Set<number>) => [...s].sort((x, y) => x - y);
  return [
    ...sorted(adapters).map((a): [string, string] => ['assign_adapter', String(a)]),
    ...sorted(domains).map((d): [string, string] => ['assign_domain', String(d)]),
    ...sorted(controls).map((d): [string, string] => ['assign_control_domain', String(d)]),
  ];
}

/** libvirt's node-device name and parent for an mdev (`mdev_<uuid with _>_<parent>`, `ap_matrix`). */
export function nodedevName(f: Pick<MdevFacts, 'uuid' | 'parent'>): string {
  return `mdev_${f.uuid.replace(/-/g, '_')}_${f.parent.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

export function nodedevParent(parent: string): string {
  return parent === MATRIX_PARENT ? 'ap_matrix' : parent;
}

/** The node-device document `virsh nodedev-define` takes (libvirt's own 2-space layout). */
export function libvirtNodedevXml(f: MdevFacts): string {
  const lines = ['<device>', `  <name>${nodedevName(f)}</name>`];
  if (f.active && f.parent === MATRIX_PARENT) lines.push(`  <path>/sys/devices/vfio_ap/matrix/${f.uuid}</path>`);
  lines.push(`  <parent>${xmlAttr(nodedevParent(f.parent))}</parent>`, "  <capability type='mdev'>", `    <type id='${xmlAttr(f.mdevType)}'/>`, `    <uuid>${f.uuid}</uuid>`);
  for (const [k, v] of f.attrs) lines.push(`    <attr name='${xmlAttr(k)}' value='${xmlAttr(v)}'/>`);
  lines.push('  </capability>', '</device>');
  return `${lines.join('\n')}\n`;
}

/** A domain's <hostdev> for the mdev (tests/qemuxml2argvdata/hostdev-subsys-mdev-vfio-ap.xml). */
export function libvirtHostdevXml(f: Pick<MdevFacts, 'uuid' | 'mdevType'>): string {
  const model = f.mdevType === VFIO_AP_TYPE ? 'vfio-ap' : 'vfio-pci';
  return [
    `<hostdev mode='subsystem' type='mdev' model='${model}'>`,
    '  <source>',
    `    <address uuid='${f.uuid}'/>`,
    '  </source>',
    '</hostdev>',
    '',
  ].join('\n');
}
