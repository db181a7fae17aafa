// The driver core's `uevent` files: writing one synthesizes a uevent (kobject_synth_uevent),
// reading a device's shows its environment (uevent_show).

import { KernelError } from '../../core/errno.js';
import { cString } from '../../core/kstrtoul.js';
import { isUuid, UUID_STRING_LEN } from '../../core/uuid.js';
import { Attr } from './node.js';

const KOBJECT_ACTIONS = ['add', 'remove', 'change', 'move', 'online', 'offline', 'bind', 'unbind'];

/** models kobject_action_args: a UUID, then ` KEY=VALUE` pairs (alphanumeric keys, non-empty values). */
function checkActionArgs(args: string): void {
  const s = args;
  if (s.length < UUID_STRING_LEN || !isUuid(s.slice(0, UUID_STRING_LEN))) throw new KernelError('EINVAL');
  let i = UUID_STRING_LEN;
  while (i < s.length) {
    if (s[i] !== ' ' || ++i >= s.length) throw new KernelError('EINVAL');
    while (i < s.length && s[i] !== '=') {
      if (!/[0-9A-Za-z]/.test(s[i]!)) throw new KernelError('EINVAL');
      i++;
    }
    if (++i >= s.length) throw new KernelError('EINVAL');
    while (i < s.length && s[i] !== ' ') i++;
  }
}

/**
 * models kobject_synth_uevent's parsing (kobject_action_type, kobject_action_args): a known
 * action, optionally followed by a space and arguments; anything else is EINVAL.
 */
export function checkSyntheticUevent(buf: string): void {
  let s = cString(buf);
  if (s.endsWith('\n')) s = s.slice(0, -1);
  if (s.length === 0) throw new KernelError('EINVAL');
  const space = s.indexOf(' ');
  const action = space < 0 ? s : s.slice(0, space);
  if (!KOBJECT_ACTIONS.includes(action)) throw new KernelError('EINVAL');
  if (space >= 0) checkActionArgs(s.slice(space + 1));
}

/** A device's `uevent` (0644): shows the environment, takes a synthetic uevent. */
export function deviceUeventAttr(show: () => string): Attr {
  return Attr.rw(show, checkSyntheticUevent);
}

/** A bus's or driver's `uevent` (0200): takes a synthetic uevent. */
export function ueventAttr(): Attr {
  return Attr.wo(checkSyntheticUevent);
}
