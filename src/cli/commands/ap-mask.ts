// `vfioctl ap mask [--apmask LIST] [--aqmask LIST] [--persistent]`: chzdev's AP mask
// syntax and conflict check; with no change, lszdev's active/persistent table.

import { ChzdevError, setMasks, showMasks } from '../../manage/ap-masks.js';
import { MaskSyntaxError } from '../../manage/ap-rules.js';
import type { Io } from '../io.js';
import { withBackend, type ManageOptions } from '../../api/manage-session.js';
import { reportFailure } from './mdev.js';

export interface ApMaskOptions extends ManageOptions {
  apmask?: string;
  aqmask?: string;
  /** Also write /etc/udev/rules.d/41-ap.rules (chzdev's persistent configuration). */
  persistent: boolean;
}

export async function apMask(opts: ApMaskOptions, io: Io): Promise<number> {
  try {
    if (opts.apmask === undefined && opts.aqmask === undefined) {
      if (opts.persistent) {
        io.stderr.write('vfioctl: ap mask: --persistent needs --apmask or --aqmask\n');
        return 2;
      }
      io.stdout.write(await withBackend(opts, 'read', (b) => showMasks(b)));
      return 0;
    }
    await withBackend(opts, 'write', (b) => setMasks(b, { apmask: opts.apmask, aqmask: opts.aqmask, persistent: opts.persistent }));
    return 0;
  } catch (e) {
    if (e instanceof ChzdevError) {
      io.stderr.write(`${e.lines.map((l) => `vfioctl: ${l}\n`).join('')}ap device type configure failed\n    Error: Invalid configuration\n`);
      return 1;
    }
    if (e instanceof MaskSyntaxError) {
      io.stderr.write(`vfioctl: ${e.message}\n`);
      return 2;
    }
    return reportFailure(e, io);
  }
}
