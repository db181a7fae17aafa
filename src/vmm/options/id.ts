// Object ids given with id=: QEMU refuses anything that is not a plain identifier.

import { invalidParameterValue, type QemuOptsError } from './qemu-error.js';

const ID_HINT = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n";

function isAsciiAlpha(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

function isAsciiAlnum(c: string): boolean {
  return isAsciiAlpha(c) || (c >= '0' && c <= '9');
}

/** models id_wellformed (util/id.c): an ASCII letter, then letters, digits, '-', '.', '_'. */
export function idWellformed(id: string): boolean {
  if (id.length === 0 || !isAsciiAlpha(id[0]!)) return false;
  for (let i = 1; i < id.length; i++) {
    const c = id[i]!;
    if (!isAsciiAlnum(c) && c !== '-' && c !== '.' && c !== '_') return false;
  }
  return true;
}

/** models the qemu_opts_create error for a malformed id, hint included. */
export function idNotWellformed(): QemuOptsError {
  return invalidParameterValue('id', 'an identifier', ID_HINT);
}
