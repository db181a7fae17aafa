// A device as mdevctl models it (mdev.rs's MDev): identity, where it lives, its definition,
// and whether it is running and defined.

import type { MdevConfig } from './mdev-config.js';

export interface MDev {
  uuid: string;
  parent: string;
  mdevType: string;
  autostart: boolean;
  attrs: [string, string][];
  active: boolean;
  defined: boolean;
}

/** The definition part of a device (MDev::to_json(false)'s fields). */
export const toConfig = (d: MDev): MdevConfig => ({ mdevType: d.mdevType, start: d.autostart ? 'auto' : 'manual', attrs: d.attrs });

/** A device from its definition under a parent. */
export function fromConfig(uuid: string, parent: string, cfg: MdevConfig, defined: boolean): MDev {
  return { uuid, parent, mdevType: cfg.mdevType, autostart: cfg.start === 'auto', attrs: cfg.attrs, active: false, defined };
}
