// The contract between the AP bus and its drivers (ap_bus.h struct ap_driver).

import type { ApMask } from '../../core/ap-mask.js';
import type { Attr } from '../vfs/node.js';
import type { ApDevice } from './ap-device.js';
import type { QciInfo } from './qci.js';

export interface ApDriver {
  readonly name: string;
  /** AP_DRIVER_FLAG_DEFAULT: zcrypt's drivers own host-reserved APQNs, others the rest. */
  readonly isDefault: boolean;
  matches(dev: ApDevice): boolean;
  /** Throws a KernelError to refuse the device. */
  probe(dev: ApDevice): void;
  remove(dev: ApDevice): void;
  /** Attributes the device shows while bound (the driver's dev_groups). */
  attributes?(dev: ApDevice): ReadonlyMap<string, Attr>;
  /** models ap_driver.in_use: would reserving these APQNs for the host take any from the driver? */
  inUse?(apm: ApMask, aqm: ApMask): boolean;
  /** models ap_driver.on_config_changed: QCI changed, before devices are added or removed. */
  onConfigChanged?(next: QciInfo, prev: QciInfo): void;
  /** models ap_driver.on_scan_complete: after the rescan built and removed devices. */
  onScanComplete?(next: QciInfo, prev: QciInfo): void;
}
