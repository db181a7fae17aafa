// KEY=VALUE,... with dotted keys, the parser behind -machine in QEMU 7.2, modelled on
// util/keyval.c so nested keys, implied "type" and help behave as on the real binary.

import { startsWithHelpOption } from './help-option.js';
import { QemuOptsError } from './qemu-error.js';

/** A keyval leaf is a string; inner nodes are dicts (Map keeps keys away from Object.prototype) or lists. */
export type KeyvalValue = string | KeyvalDict | readonly KeyvalValue[];
export type KeyvalDict = ReadonlyMap<string, KeyvalValue>;

/** Mutable tree used while parsing; lists come from earlier parses and are never merged into. */
type Node = string | Map<string, Node> | readonly KeyvalValue[];

const KEY_FRAGMENT_MAX = 127;

function isAsciiAlpha(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

function isAsciiDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** models parse_qapi_name(str, false): length of a leading QAPI name (with __RFQDN_ prefix), or -1. */
export function parseQapiName(s: string, at: number): number {
  let p = at;
  if (s[p] === '_') {
    p++;
    if (s[p] !== '_') return -1;
    for (p++; p < s.length; p++) {
      const c = s[p]!;
      if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c !== '-' && c !== '.') break;
    }
    if (s[p] !== '_') return -1;
    p++;
  }
  if (!isAsciiAlpha(s[p])) return -1;
  for (p++; p < s.length; p++) {
    const c = s[p]!;
    if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c !== '-' && c !== '_') break;
  }
  return p - at;
}

/** models key_to_index: the number of leading decimal digits (values are capped, length is not). */
function keyIndexLength(s: string, at: number): number {
  let p = at;
  while (isAsciiDigit(s[p])) p++;
  return p - at;
}

/** models key_to_index(key, NULL) on a whole key: its index, or -1 when not all digits. */
function keyToIndex(key: string): number {
  if (!/^[0-9]+$/.test(key)) return -1;
  const n = Number(key);
  return n > 2147483647 ? 2147483647 : n;
}

function inconsistent(prefix: string): QemuOptsError {
  return new QemuOptsError('used-inconsistently', `Parameters '${prefix}*' used inconsistently`);
}

/** models keyval_parse_put: a dict where a dict is wanted, a string replaces a string. */
function put(cur: Map<string, Node>, keyInCur: string, value: string | undefined, keyPrefix: string): Node {
  const old = cur.get(keyInCur);
  if (old !== undefined) {
    const matches = value === undefined ? old instanceof Map : typeof old === 'string';
    if (!matches) throw inconsistent(`${keyPrefix}.`);
    if (value === undefined) return old;
  }
  const node: Node = value ?? new Map<string, Node>();
  cur.set(keyInCur, node);
  return node;
}

interface ParseOneResult {
  readonly next: number;
  readonly help: boolean;
}

/** models keyval_parse_one: one key=value (or implied value, or help) into `root`. */
function parseOne(root: Map<string, Node>, params: string, at: number, impliedKey: string | undefined): ParseOneResult {
  let len = 0;
  while (at + len < params.length && params[at + len] !== '=' && params[at + len] !== ',') len++;
  let keySource = params;
  let keyStart = at;
  let valEnd: number | undefined;
  if (len > 0 && params[at + len] !== '=') {
    if (startsWithHelpOption(params.slice(at)) === len) {
      const next = at + len + (params[at + len] === ',' ? 1 : 0);
      return { next, help: true };
    }
    if (impliedKey !== undefined) {
      keySource = impliedKey;
      keyStart = 0;
      valEnd = at + len;
      len = impliedKey.length;
    }
  }
  const keyEnd = keyStart + len;
  const key = keySource.slice(keyStart, keyEnd);
  let cur = root;
  let keyInCur = '';
  let s = keyStart;
  while (true) {
    const fragLen = s !== keyStart && isAsciiDigit(keySource[s])
      ? keyIndexLength(keySource, s)
      : Math.max(parseQapiName(keySource, s), 0);
    if (fragLen === 0 || (s + fragLen < keyEnd && keySource[s + fragLen] !== '.')) {
      throw new QemuOptsError('invalid-parameter', `Invalid parameter '${key}'`);
    }
    if (fragLen > KEY_FRAGMENT_MAX) {
      const fragment = s !== keyStart || s + fragLen !== keyEnd ? ' fragment' : '';
      throw new QemuOptsError('parameter-too-long', `Parameter${fragment} '${keySource.slice(s, s + fragLen)}' is too long`);
    }
    if (s !== keyStart) {
      const next = put(cur, keyInCur, undefined, keySource.slice(keyStart, s - 1));
      cur = next as Map<string, Node>;
    }
    keyInCur = keySource.slice(s, s + fragLen);
    s += fragLen;
    if (keySource[s] !== '.') break;
    s++;
  }
  let value = '';
  let p: number;
  if (valEnd !== undefined) {
    value = params.slice(at, valEnd);
    p = valEnd + (params[valEnd] === ',' ? 1 : 0);
  } else {
    if (params[s] !== '=') {
      throw new QemuOptsError('expected-equals', `Expected '=' after parameter '${params.slice(keyStart, s)}'`);
    }
    p = s + 1;
    while (p < params.length) {
      if (params[p] === ',') {
        p++;
        if (params[p] !== ',') break;
      }
      value += params[p];
      p++;
    }
  }
  put(cur, keyInCur, value, key);
  return { next: p, help: false };
}

/** models keyval_listify: dicts whose keys are all indexes become lists without gaps. */
function listify(cur: Map<string, Node>, keyOfCur: string): KeyvalValue {
  let hasIndex = false;
  let hasMember = false;
  const converted = new Map<string, KeyvalValue>();
  for (const [k, v] of cur) {
    if (keyToIndex(k) >= 0) hasIndex = true;
    else hasMember = true;
    converted.set(k, v instanceof Map ? listify(v, `${keyOfCur}${k}.`) : v);
  }
  if (hasIndex && hasMember) throw inconsistent(keyOfCur);
  if (!hasIndex) return converted;
  // Keys naming the same index ("0", "00"): the later one here; QEMU takes whichever its hash order puts last.
  const elements: KeyvalValue[] = [];
  let maxIndex = -1;
  for (const [k, v] of converted) {
    const index = keyToIndex(k);
    maxIndex = Math.max(maxIndex, index);
    if (index < converted.size) elements[index] = v;
  }
  const list: KeyvalValue[] = [];
  for (let i = 0; i < Math.min(converted.size + 1, maxIndex + 1); i++) {
    const element = elements[i];
    if (element === undefined) {
      throw new QemuOptsError('parameter-missing', `Parameter '${keyOfCur}${i}' missing`);
    }
    list.push(element);
  }
  return list;
}

/** Copies the dict levels so parsing never mutates the caller's tree; leaves and lists are shared. */
function cloneIntoNodes(dict: KeyvalDict): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const [k, v] of dict) out.set(k, v instanceof Map ? cloneIntoNodes(v) : (v as Node));
  return out;
}

export interface KeyvalParseResult {
  readonly dict: KeyvalDict;
  /** A "help" or "?" key was present (keyval_parse_into's *p_help). */
  readonly help: boolean;
}

/**
 * models keyval_parse_into(qdict, params, implied_key, &help, errp): parses `params`
 * on top of `into` (earlier -machine options) and returns the new merged dict.
 * Throws QemuOptsError with keyval.c's exact messages.
 */
export function keyvalParseInto(into: KeyvalDict, params: string, impliedKey: string | undefined): KeyvalParseResult {
  const root = cloneIntoNodes(into);
  let help = false;
  let s = 0;
  let implied = impliedKey;
  while (s < params.length) {
    const r = parseOne(root, params, s, implied);
    help ||= r.help;
    s = r.next;
    implied = undefined;
  }
  return { dict: listify(root, '') as KeyvalDict, help };
}

/** models keyval_parse(params, implied_key, NULL, errp): help is refused where not offered. */
export function keyvalParse(params: string, impliedKey?: string): KeyvalDict {
  const r = keyvalParseInto(new Map(), params, impliedKey);
  if (r.help) throw new QemuOptsError('help-not-available', 'Help is not available for this option');
  return r.dict;
}

/** Reads a top-level string member, like qdict_get_try_str (a dict or list yields undefined). */
export function keyvalGetString(dict: KeyvalDict, key: string): string | undefined {
  const v = dict.get(key);
  return typeof v === 'string' ? v : undefined;
}

/**
 * Builds a keyval string (e.g. for -machine) that keyvalParseInto reads back as the
 * implied value followed by `pairs`. Throws RangeError for input keyval cannot express.
 */
export function formatKeyvalString(implied: string | undefined, pairs: readonly (readonly [string, string])[]): string {
  const parts: string[] = [];
  if (implied !== undefined) {
    // The implied value is raw text up to the first '=' or ',', with no escaping.
    if (implied === '' || /[=,]/.test(implied) || startsWithHelpOption(implied) === implied.length) {
      throw new RangeError(`implied value ${JSON.stringify(implied)} cannot be expressed`);
    }
    parts.push(implied);
  }
  for (const [key, value] of pairs) {
    if (!isKeyvalKey(key)) throw new RangeError(`key ${JSON.stringify(key)} cannot be expressed`);
    parts.push(`${key}=${value.replaceAll(',', ',,')}`);
  }
  return parts.join(',');
}

/** Whether `key` is a dotted keyval key: a QAPI name, then QAPI names or indexes, each at most 127 long. */
export function isKeyvalKey(key: string): boolean {
  const fragments = key.split('.');
  return fragments.every((f, i) => {
    if (f.length === 0 || f.length > KEY_FRAGMENT_MAX) return false;
    if (i > 0 && /^[0-9]+$/.test(f)) return true;
    return parseQapiName(f, 0) === f.length;
  });
}
