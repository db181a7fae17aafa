// QEMU's boolean spelling, shared by QemuOpts bool options, keyval-visited machine
// properties and -cpu feature globals (all verified against qemu-system-s390x 7.2).

import { invalidParameterValue } from './qemu-error.js';

const TRUE_WORDS: ReadonlySet<string> = new Set(['on', 'yes', 'true', 'y']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['off', 'no', 'false', 'n']);

/** models qapi_bool_parse: case-sensitive on/yes/true/y and off/no/false/n. */
export function parseQemuBool(name: string, value: string): boolean {
  if (TRUE_WORDS.has(value)) return true;
  if (FALSE_WORDS.has(value)) return false;
  throw invalidParameterValue(name, "'on' or 'off'");
}
