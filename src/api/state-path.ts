// Where the twin's state lives: --state FILE, else $VFIOCTL_STATE, else the XDG state dir.

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export function resolveStatePath(option: string | undefined, env: Env): string {
  if (option) return resolve(option);
  if (env.VFIOCTL_STATE) return resolve(env.VFIOCTL_STATE);
  // XDG Base Directory spec: a relative or empty XDG_STATE_HOME is ignored
  const xdg = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(env.HOME || homedir(), '.local', 'state');
  return join(xdg, 'vfioctl', 'twin.json');
}
