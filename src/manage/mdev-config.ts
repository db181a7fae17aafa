// mdevctl's device configuration (/etc/mdevctl.d/<parent>/<uuid>): loaded with mdevctl
// 1.2.0's strictness and messages, written byte for byte as mdevctl writes it
// (serde_json pretty JSON, keys mdev_type, start, attrs, no trailing newline).

import { INVALID_UTF8, isValidUtf8, JsonObject, jsonObject, parseSerdeJson, SerdeJsonError, toCompact, toPretty, type JsonValue } from './serde-json.js';

export type StartMode = 'auto' | 'manual';

export interface MdevConfig {
  mdevType: string;
  start: StartMode;
  /** Ordered: mdevctl writes them to sysfs in this order on start. */
  attrs: [string, string][];
}

/**
 * A failure mdevctl reports as `Error: <message>` (and, for an OS error under it,
 * `\n\nCaused by:\n    <cause>`), exit status 1.
 */
export class MdevctlError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'MdevctlError';
  }

  /** anyhow's `{:?}` rendering, as mdevctl's main prints it. */
  render(): string {
    return this.detail === undefined ? `Error: ${this.message}\n` : `Error: ${this.message}\n\nCaused by:\n    ${this.detail}\n`;
  }
}

const field = (json: JsonValue, key: string): JsonValue | undefined => (json instanceof JsonObject ? json.get(key) : undefined);

/**
 * MDev::add_attributes: appends each attribute of a JSON `attrs` value to `into`, failing
 * at the first bad one (those before it stay, as in mdevctl).
 */
export function addAttributes(list: JsonValue | undefined, into: [string, string][]): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new MdevctlError('attributes field is not an array');
  for (const attr of list) {
    if (!(attr instanceof JsonObject)) throw new MdevctlError('invalid JSON format for attribute: not an object');
    if (attr.size !== 1) throw new MdevctlError('invalid JSON format for attribute: too many fields');
    const [key, value] = [...attr.entries][0]!;
    // 1.2.0 panics here; 1.3's message
    if (typeof value !== 'string') throw new MdevctlError(`invalid JSON format for attribute {${JSON.stringify(key)}, ${toCompact(value)}}: value must be of type str`);
    into.push([key, value]);
  }
}

/** MDev::load_from_json on parsed JSON. */
export function configFromJson(json: JsonValue): MdevConfig {
  const type = field(json, 'mdev_type');
  const start = field(json, 'start');
  if (type === undefined || type === null || start === undefined || start === null) throw new MdevctlError('invalid json');
  // 1.2.0 panics on a non-string mdev_type (unwrap); we report it as invalid
  if (typeof type !== 'string') throw new MdevctlError('invalid json');
  const attrs: [string, string][] = [];
  addAttributes(field(json, 'attrs'), attrs);
  return { mdevType: type, start: start === 'auto' ? 'auto' : 'manual', attrs };
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Does JSON.parse's value agree with serde_json's: numbers finite, strings well formed,
 * nesting shallow? The object keys it holds, or -1 where serde_json would see otherwise.
 * Only a text with a `\u` escape can hold a lone surrogate (UTF-8 cannot encode one).
 */
function keysAgreeingWithSerde(v: unknown, depth: number, escapes: boolean): number {
  if (typeof v === 'number') return Number.isFinite(v) ? 0 : -1;
  if (typeof v === 'string') return escapes && LONE_SURROGATE.test(v) ? -1 : 0;
  if (v === null || typeof v !== 'object') return 0;
  if (depth >= 100) return -1;
  let keys = 0;
  if (Array.isArray(v)) {
    for (const x of v) {
      const n = keysAgreeingWithSerde(x, depth + 1, escapes);
      if (n < 0) return -1;
      keys += n;
    }
    return keys;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const n = escapes && LONE_SURROGATE.test(k) ? -1 : keysAgreeingWithSerde(o[k], depth + 1, escapes);
    if (n < 0) return -1;
    keys += n + 1;
  }
  return keys;
}

/** The colons of a text: one per object member, more when strings hold some. */
function colons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) n++;
  return n;
}

const own = (o: object, key: string): unknown => (Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined);

/**
 * The config of a well-formed file through the native JSON parser, or undefined for
 * anything serde_json or load_from_json might see differently or refuse (those take the
 * serde path, which has mdevctl's messages).
 */
function nativeConfig(text: string): MdevConfig | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  // fewer keys than colons: a duplicate key, whose earlier value JSON.parse dropped unread
  // and serde_json parses (a number out of range there fails the file), or a colon in a string
  if (keysAgreeingWithSerde(v, 0, text.includes('\\u')) !== colons(text)) return undefined;
  const type = own(v, 'mdev_type');
  const start = own(v, 'start');
  const list = own(v, 'attrs');
  if (typeof type !== 'string' || start === undefined || start === null) return undefined;
  const attrs: [string, string][] = [];
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) return undefined;
    for (const attr of list) {
      if (typeof attr !== 'object' || attr === null || Array.isArray(attr)) return undefined;
      const keys = Object.keys(attr);
      const value = keys.length === 1 ? own(attr, keys[0]!) : undefined;
      if (typeof value !== 'string') return undefined;
      attrs.push([keys[0]!, value]);
    }
  }
  return { mdevType: type, start: start === 'auto' ? 'auto' : 'manual', attrs };
}

/** Parses a config file's bytes the way mdevctl does (read_to_string, serde_json, load_from_json). */
export function loadMdevConfig(data: string | Uint8Array): MdevConfig {
  // a well-formed string is what read_to_string gives: its UTF-8 needs no check
  if (typeof data === 'string' && data.isWellFormed()) return nativeConfig(data) ?? serdeConfig(Buffer.from(data, 'utf8'));
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (!isValidUtf8(bytes)) throw new MdevctlError(INVALID_UTF8);
  return nativeConfig(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) ?? serdeConfig(bytes);
}

/** The config through serde_json's parser and load_from_json, with mdevctl's message for every failure. */
export function serdeConfig(bytes: Uint8Array): MdevConfig {
  let json: JsonValue;
  try {
    json = parseSerdeJson(bytes);
  } catch (e) {
    if (e instanceof SerdeJsonError) throw new MdevctlError(e.message);
    throw e;
  }
  return configFromJson(json);
}

/** MDev::to_json(false): the config object. */
export function configToJson(cfg: MdevConfig): JsonObject {
  return jsonObject([
    ['mdev_type', cfg.mdevType],
    ['start', cfg.start],
    ['attrs', cfg.attrs.map(([k, v]) => jsonObject([[k, v]]))],
  ]);
}

/** The file's exact bytes: serde_json::to_string_pretty, no trailing newline. */
export function formatMdevConfig(cfg: MdevConfig): string {
  return toPretty(configToJson(cfg));
}
