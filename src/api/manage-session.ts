// Which host a management command works on, and how its changes are kept:
//   --root DIR  a real directory root (DIR/sys, DIR/etc, DIR/run), changes under ap-check's
//               lock file; `--root /` is the real host
//   default     the real host when /sys/devices/vfio_ap exists, else the twin
// The twin's configuration files (/etc/mdevctl.d, 41-ap.rules, /run/lock) live in the state
// file next to the Host snapshot, as the `files` section (Twin keeps sections it does not
// own); changes go through StateStore.update, so they serialise with every other command.

import { existsSync } from 'node:fs';
import type { SysfsBackend } from '../manage/backend.js';
import { RootBackend } from '../manage/root-backend.js';
import type { TwinFilesSnapshot } from '../manage/twin-files.js';
import { ApiError } from './errors.js';

export interface ManageOptions {
  /** The twin's state file. */
  state: string;
  /** --root DIR; undefined picks the real host or the twin. */
  root?: string;
}

/** The state file's section (next to the Host snapshot) holding the twin's configuration files. */
export const FILES_SECTION = 'files';


/** The root a command uses: --root, else `/` on a host with vfio_ap, else none (the twin). */
export function chooseRoot(root: string | undefined, hostHasVfioAp = existsSync('/sys/devices/vfio_ap')): string | undefined {
  if (root !== undefined) return root;
  return hostHasVfioAp ? '/' : undefined;
}

/**
 * Runs a management command on its backend. `write` commands hold ap-check's lock on a
 * real root, and the state lock on the twin (whose config files then get saved).
 */
export async function withBackend<T>(opts: ManageOptions, mode: 'read' | 'write', fn: (b: SysfsBackend) => T): Promise<T> {
  const root = chooseRoot(opts.root);
  if (root !== undefined) {
    if (!existsSync(root)) throw new ApiError(`--root ${root}: no such directory`);
    const b = new RootBackend(root);
    return mode === 'write' ? b.files.withLock(() => fn(b)) : fn(b);
  }
  // the twin (the kernel and VMM models) is loaded only when it is used: a real root starts fast
  const [{ StateStore }, { TwinBackend }, { TwinFiles }] = await Promise.all([
    import('./state-store.js'),
    import('../manage/twin-backend.js'),
    import('../manage/twin-files.js'),
  ]);
  const store = new StateStore(opts.state);
  if (mode === 'read') {
    const twin = await store.loadTwin();
    return fn(new TwinBackend(twin.host, TwinFiles.restore(twin.sections[FILES_SECTION] as TwinFilesSnapshot | undefined)));
  }
  return store.update((host, twin) => {
    const files = TwinFiles.restore(twin.sections[FILES_SECTION] as TwinFilesSnapshot | undefined);
    try {
      return fn(new TwinBackend(host, files));
    } finally {
      // the files section changes only when a file did (a save then follows)
      if (files.generation > 0) twin.sections[FILES_SECTION] = files.snapshot();
    }
  });
}
