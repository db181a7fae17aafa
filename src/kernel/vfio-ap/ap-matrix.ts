// struct ap_matrix (vfio_ap_private.h): the three masks of an mdev plus their limits.

import { ApMask } from '../../core/ap-mask.js';
import type { QciInfo } from '../ap/qci.js';

export interface ApMatrix {
  apm: ApMask;
  aqm: ApMask;
  adm: ApMask;
  apmMax: number;
  aqmMax: number;
  admMax: number;
}

/**
 * models vfio_ap_matrix_init: QCI's na/nd with APXA (taken as they are, even 0, unlike the
 * AP bus's ap_max_*_id), else 63 adapters and 15 domains.
 */
export function emptyMatrix(info: QciInfo | undefined): ApMatrix {
  const apxa = info?.apxa === true;
  return {
    apm: ApMask.empty(),
    aqm: ApMask.empty(),
    adm: ApMask.empty(),
    apmMax: apxa ? info.na : 63,
    aqmMax: apxa ? info.nd : 15,
    admMax: apxa ? info.nd : 15,
  };
}

export interface MatrixMasks {
  apm: ApMask;
  aqm: ApMask;
  adm: ApMask;
}

export function masksEqual(a: MatrixMasks, b: MatrixMasks): boolean {
  return a.apm.equals(b.apm) && a.aqm.equals(b.aqm) && a.adm.equals(b.adm);
}
