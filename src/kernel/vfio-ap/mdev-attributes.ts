// The sysfs attributes vfio_ap adds to each mdev (vfio_ap_mdev_attrs), per profile.

import { Attr } from '../vfs/node.js';
import type { MatrixMdev } from './matrix-mdev.js';
import { formatApConfig, formatControlDomains, formatMatrix } from './matrix-format.js';

export function mdevAttributes(m: MatrixMdev, modern: boolean): Map<string, Attr> {
  const attrs = new Map<string, Attr>([
    ['assign_adapter', Attr.wo((buf) => m.assign('adapter', buf))],
    ['unassign_adapter', Attr.wo((buf) => m.unassign('adapter', buf))],
    ['assign_domain', Attr.wo((buf) => m.assign('domain', buf))],
    ['unassign_domain', Attr.wo((buf) => m.unassign('domain', buf))],
    ['assign_control_domain', Attr.wo((buf) => m.assignControlDomain(buf))],
    ['unassign_control_domain', Attr.wo((buf) => m.unassignControlDomain(buf))],
    ['control_domains', Attr.ro(() => formatControlDomains(m.matrix.adm.truncate(m.matrix.admMax)))],
    ['matrix', Attr.ro(() => formatMatrix(m.matrix.apm.truncate(m.matrix.apmMax), m.matrix.aqm.truncate(m.matrix.aqmMax)))],
  ]);
  if (modern) {
    attrs.set('guest_matrix', Attr.ro(() => formatMatrix(m.shadow.apm, m.shadow.aqm)));
    attrs.set('ap_config', Attr.rw(() => formatApConfig(m.matrix.apm, m.matrix.aqm, m.matrix.adm), (buf) => m.writeApConfig(buf)));
  }
  return attrs;
}
