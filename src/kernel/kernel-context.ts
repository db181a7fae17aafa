// What every kernel subsystem of one twin shares: its file tree, its log and its profile.

import type { Profile } from './host-spec.js';
import type { KernelLog } from './printk.js';
import type { Vfs } from './vfs/vfs.js';

export interface KernelContext {
  readonly vfs: Vfs;
  readonly log: KernelLog;
  readonly profile: Profile;
}
