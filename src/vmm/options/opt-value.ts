// Typed QemuOpts values: what qemu_opt_parse checks while the option string is parsed,
// so a bad -m or -name value fails at command-line time with the option as location.

import { parseQemuBool } from './bool.js';
import { invalidParameterValue, QemuOptsError, type WarningSink } from './qemu-error.js';
import { qemuStrtosz } from './qemu-strtosz.js';
import { qemuStrtou64 } from './strtoull.js';

/** QEMU_OPT_STRING, QEMU_OPT_BOOL, QEMU_OPT_NUMBER, QEMU_OPT_SIZE. */
export type QemuOptType = 'string' | 'bool' | 'number' | 'size';

export type QemuOptValue = string | boolean | bigint;

const SIZE_HINT = 'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n';

/** models parse_option_number: qemu_strtou64 base 0 over the whole value. */
export function parseOptionNumber(name: string, value: string): bigint {
  const r = qemuStrtou64(value, 0, 0, true);
  if (r.ok) return r.value;
  if (r.errno === 'ERANGE') {
    throw new QemuOptsError('value-too-large', `Value '${value}' is too large for parameter '${name}'`);
  }
  throw invalidParameterValue(name, 'a number');
}

/** models parse_option_size, including qemu_strtosz's hex-suffix deprecation warning. */
export function parseOptionSize(name: string, value: string, warn?: WarningSink): bigint {
  const r = qemuStrtosz(value);
  if (r.hexSuffixWarning) warn?.({ message: `Using a multiplier suffix on hex numbers is deprecated: ${value}` });
  if (r.ok) return r.value;
  if (r.errno === 'ERANGE') {
    throw new QemuOptsError('value-out-of-range', `Value '${value}' is out of range for parameter '${name}'`);
  }
  throw invalidParameterValue(name, 'a non-negative number below 2^64', SIZE_HINT);
}

/** models qemu_opt_parse: converts one value by its declared type, or throws QEMU's error. */
export function parseOptValue(type: QemuOptType, name: string, value: string, warn?: WarningSink): QemuOptValue {
  switch (type) {
    case 'string': return value;
    case 'bool': return parseQemuBool(name, value);
    case 'number': return parseOptionNumber(name, value);
    case 'size': return parseOptionSize(name, value, warn);
  }
}

/** models opt_type_to_string, the type shown in "-name help" style listings. */
export function optTypeToString(type: QemuOptType): string {
  switch (type) {
    case 'string': return 'str';
    case 'bool': return 'bool (on/off)';
    case 'number': return 'num';
    case 'size': return 'size';
  }
}
