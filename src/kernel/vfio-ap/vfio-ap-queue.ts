// struct vfio_ap_queue: a queue device bound to vfio_ap, the mdev it is linked to and
// the response code of its last reset (ZAPQ), which decides whether it may be passed through.

import type { ApQueue } from '../ap/ap-device.js';
import { AP_RESPONSE_CHECKSTOPPED, AP_RESPONSE_DECONFIGURED, AP_RESPONSE_NORMAL } from '../ap/ap-device.js';
import type { MatrixMdev } from './matrix-mdev.js';

export class VfioApQueue {
  mdev: MatrixMdev | undefined;
  resetStatus = AP_RESPONSE_NORMAL;

  constructor(readonly dev: ApQueue) {}

  get apid(): number {
    return this.dev.apid;
  }

  get apqi(): number {
    return this.dev.apqi;
  }

  /** models vfio_ap_mdev_reset_queue: ZAPQ, remember the response code. */
  reset(): number {
    this.resetStatus = this.dev.zapq();
    return this.resetStatus;
  }

  /** models _queue_passable: normal, deconfigured and checkstopped queues keep their adapter. */
  get passable(): boolean {
    return (
      this.resetStatus === AP_RESPONSE_NORMAL ||
      this.resetStatus === AP_RESPONSE_DECONFIGURED ||
      this.resetStatus === AP_RESPONSE_CHECKSTOPPED
    );
  }
}
