// Read formats of the mdev attributes (vfio_ap_ops.c matrix_show, guest_matrix_show,
// control_domains_show, ap_config_show).

import type { ApMask } from '../../core/ap-mask.js';
import { hex } from '../../core/apqn.js';

/** sysfs_emit_at stops at PAGE_SIZE - 1 bytes. */
export const SYSFS_EMIT_MAX = 4095;

export function capToPage(text: string): string {
  return text.length > SYSFS_EMIT_MAX ? text.slice(0, SYSFS_EMIT_MAX) : text;
}

/** models vfio_ap_mdev_matrix_show: APQNs, or `XX.` / `.YYYY` lines when one side is empty. */
export function formatMatrix(apm: ApMask, aqm: ApMask): string {
  const adapters = apm.ids();
  const domains = aqm.ids();
  const lines: string[] = [];
  if (adapters.length > 0 && domains.length > 0) {
    // Build at most one page: a 256 x 256 matrix would otherwise render 65,536 lines to keep 511.
    const cap = Math.ceil(SYSFS_EMIT_MAX / 8) + 1;
    outer: for (const a of adapters)
      for (const d of domains) {
        lines.push(`${hex(a, 2)}.${hex(d, 4)}\n`);
        if (lines.length >= cap) break outer;
      }
  } else if (adapters.length > 0) {
    for (const a of adapters) lines.push(`${hex(a, 2)}.\n`);
  } else {
    for (const d of domains) lines.push(`.${hex(d, 4)}\n`);
  }
  return capToPage(lines.join(''));
}

/** models control_domains_show: one `%04x` line per control domain. */
export function formatControlDomains(adm: ApMask): string {
  return capToPage(adm.ids().map((d) => `${hex(d, 4)}\n`).join(''));
}

/** models ap_config_show: the three assigned masks, comma separated (201 bytes). */
export function formatApConfig(apm: ApMask, aqm: ApMask, adm: ApMask): string {
  return `${apm.toHex()},${aqm.toHex()},${adm.toHex()}\n`;
}
