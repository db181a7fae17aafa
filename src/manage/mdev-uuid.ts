// UUIDs as mdevctl 1.2.0 takes them on its command line (the Rust uuid crate's
// Uuid::parse_str: simple 32-hex, hyphenated, braced `{…}` and `urn:uuid:` forms, either
// case) with the crate's error texts, and prints them (lower-case hyphenated).

import { nodeCrypto } from '../core/lazy-builtins.js';

const HEX = /^[0-9a-fA-F]$/;
const GROUP_STARTS = [0, 9, 14, 19, 24] as const;
const GROUP_LENGTHS = [8, 4, 4, 4, 12] as const;

function hyphenated(s: string): string | undefined {
  if (s.length !== 36) return undefined;
  for (let i = 0; i < 36; i++) {
    const dash = i === 8 || i === 13 || i === 18 || i === 23;
    if (dash ? s[i] !== '-' : !HEX.test(s[i]!)) return undefined;
  }
  return s.toLowerCase();
}

function simple(s: string): string | undefined {
  if (!/^[0-9a-fA-F]{32}$/.test(s)) return undefined;
  const l = s.toLowerCase();
  return `${l.slice(0, 8)}-${l.slice(8, 12)}-${l.slice(12, 16)}-${l.slice(16, 20)}-${l.slice(20)}`;
}

/** The uuid crate's explanation of why `input` is not a UUID (InvalidUuid::into_err). */
function explain(input: string): string {
  let body = input;
  let offset = 0;
  let isSimple = true;
  if (input.length >= 2 && input.startsWith('{') && input.endsWith('}')) {
    body = input.slice(1, -1);
    offset = 1;
    isSimple = false;
  } else if (input.startsWith('urn:uuid:')) {
    body = input.slice('urn:uuid:'.length);
    offset = 'urn:uuid:'.length;
    isSimple = false;
  }
  const bytes = Buffer.from(body, 'utf8');
  let hyphens = 0;
  const bounds: number[] = [];
  // char_indices: byte offsets of each character
  let at = 0;
  for (const ch of body) {
    if (ch.codePointAt(0)! > 0x7f || !(HEX.test(ch) || ch === '-')) {
      return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-zA-Z], found \`${ch}\` at ${at + offset + 1}`;
    }
    if (ch === '-') {
      if (hyphens < 4) bounds.push(at);
      hyphens++;
    }
    at += Buffer.byteLength(ch, 'utf8');
  }
  if (hyphens === 0 && isSimple) return `invalid length: expected length 32 for simple format, found ${Buffer.byteLength(input, 'utf8')}`;
  if (hyphens !== 4) return `invalid group count: expected 5, found ${hyphens + 1}`;
  for (let g = 0; g < 4; g++) {
    const bound = bounds[g]!;
    if (bound !== GROUP_STARTS[g + 1]! - 1) return `invalid group length in group ${g}: expected ${GROUP_LENGTHS[g]}, found ${bound - GROUP_STARTS[g]!}`;
  }
  return `invalid group length in group 4: expected 12, found ${bytes.length - GROUP_STARTS[4]}`;
}

export type UuidParse = { ok: true; uuid: string } | { ok: false; error: string };

/** Uuid::parse_str: the canonical lower-case hyphenated form, or the crate's error text. */
export function parseMdevUuid(input: string): UuidParse {
  let uuid: string | undefined;
  if (input.length === 32) uuid = simple(input);
  else if (input.length === 36) uuid = hyphenated(input);
  else if (input.length === 38 && input.startsWith('{') && input.endsWith('}')) uuid = hyphenated(input.slice(1, -1));
  else if (input.length === 45 && input.startsWith('urn:uuid:')) uuid = hyphenated(input.slice(9));
  return uuid ? { ok: true, uuid } : { ok: false, error: explain(input) };
}

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The UUID a file is named by (any form Uuid::parse_str takes), or undefined. */
export function uuidOfFileName(name: string): string | undefined {
  // the form mdevctl writes is already canonical
  if (CANONICAL.test(name)) return name;
  const r = parseMdevUuid(name);
  return r.ok ? r.uuid : undefined;
}

/** Uuid::new_v4, hyphenated. */
export function newUuid(): string {
  return nodeCrypto().randomUUID();
}
