// JSON as mdevctl reads and writes it: serde_json's strict parser with its exact error
// texts and positions ("EOF while parsing an object at line 1 column 34"), and
// serde_json::to_string_pretty's layout (2-space indent, `"key": value`, `[]` / `{}` when
// empty). Config files and `--dumpjson` output are byte-compatible only if both match.

import { isUtf8 } from 'node:buffer';

export type JsonValue = null | boolean | JsonNumber | string | JsonValue[] | JsonObject;

/** A number keeps its lexeme's value class: serde_json prints 5 and 5.0 differently. */
export class JsonNumber {
  constructor(
    readonly value: number,
    readonly integer: boolean,
  ) {}

  /** serde_json's Display: integers plainly, floats with ryu (always a `.` or an exponent). */
  toString(): string {
    if (this.integer) return String(this.value);
    if (!Number.isFinite(this.value)) return 'null';
    const s = String(this.value);
    if (/e/.test(s)) return s.replace(/e\+?/, 'e');
    return s.includes('.') ? s : `${s}.0`;
  }
}

/** An object with insertion order and map semantics (a repeated key keeps its first place). */
export class JsonObject {
  readonly entries = new Map<string, JsonValue>();

  get size(): number {
    return this.entries.size;
  }

  get(key: string): JsonValue | undefined {
    return this.entries.get(key);
  }
}

/** A serde_json parse failure; `message` is exactly what serde_json's Display prints. */
export class SerdeJsonError extends Error {
  constructor(
    readonly code: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${code} at line ${line} column ${column}`);
    this.name = 'SerdeJsonError';
  }
}

const EOF_VALUE = 'EOF while parsing a value';
const EOF_LIST = 'EOF while parsing a list';
const EOF_OBJECT = 'EOF while parsing an object';
const EOF_STRING = 'EOF while parsing a string';
const RECURSION_LIMIT = 128;

class Parser {
  private index = 0;
  private depth = RECURSION_LIMIT;

  constructor(private readonly bytes: Uint8Array) {}

  private position(i: number): { line: number; column: number } {
    let line = 1;
    let column = 0;
    for (let k = 0; k < i; k++) {
      if (this.bytes[k] === 0x0a) {
        line++;
        column = 0;
      } else column++;
    }
    return { line, column };
  }

  /** serde's error(): the position after what was consumed. */
  private error(code: string): SerdeJsonError {
    const { line, column } = this.position(this.index);
    return new SerdeJsonError(code, line, column);
  }

  /** serde's peek_error(): the position including the peeked byte. */
  private peekError(code: string): SerdeJsonError {
    const { line, column } = this.position(Math.min(this.index + 1, this.bytes.length));
    return new SerdeJsonError(code, line, column);
  }

  private peek(): number | undefined {
    return this.bytes[this.index];
  }

  private whitespace(): number | undefined {
    for (;;) {
      const b = this.peek();
      if (b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d) this.index++;
      else return b;
    }
  }

  parseDocument(): JsonValue {
    const value = this.value();
    if (this.whitespace() !== undefined) throw this.peekError('trailing characters');
    return value;
  }

  private value(): JsonValue {
    const peek = this.whitespace();
    if (peek === undefined) throw this.peekError(EOF_VALUE);
    switch (peek) {
      case 0x6e: // n
        this.index++;
        this.ident('ull');
        return null;
      case 0x74: // t
        this.index++;
        this.ident('rue');
        return true;
      case 0x66: // f
        this.index++;
        this.ident('alse');
        return false;
      case 0x2d: // -
        this.index++;
        return this.number(false);
      case 0x22: // "
        this.index++;
        return this.string();
      case 0x5b: // [
        return this.nested(() => this.array());
      case 0x7b: // {
        return this.nested(() => this.object());
      default:
        if (peek >= 0x30 && peek <= 0x39) return this.number(true);
        throw this.peekError('expected value');
    }
  }

  private nested<T>(fn: () => T): T {
    if (--this.depth === 0) throw this.peekError('recursion limit exceeded');
    this.index++;
    try {
      return fn();
    } finally {
      this.depth++;
    }
  }

  private ident(rest: string): void {
    for (const ch of rest) {
      const b = this.bytes[this.index];
      if (b === undefined) throw this.error(EOF_VALUE);
      this.index++;
      if (b !== ch.charCodeAt(0)) throw this.error('expected ident');
    }
  }

  private digits(): number {
    const start = this.index;
    while ((this.peek() ?? 0) >= 0x30 && (this.peek() ?? 0) <= 0x39) this.index++;
    return this.index - start;
  }

  private number(positive: boolean): JsonNumber {
    const start = this.index;
    const first = this.bytes[this.index];
    if (first === undefined) throw this.error(EOF_VALUE);
    this.index++;
    if (first === 0x30) {
      const p = this.peek();
      if (p !== undefined && p >= 0x30 && p <= 0x39) throw this.peekError('invalid number');
    } else if (first >= 0x31 && first <= 0x39) {
      this.digits();
    } else {
      throw this.error('invalid number');
    }
    let integer = true;
    if (this.peek() === 0x2e) {
      integer = false;
      this.index++;
      if (this.digits() === 0) throw this.peekError(this.peek() === undefined ? EOF_VALUE : 'invalid number');
    }
    if (this.peek() === 0x65 || this.peek() === 0x45) {
      integer = false;
      this.index++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.index++;
      const d = this.bytes[this.index];
      if (d === undefined) throw this.error(EOF_VALUE);
      this.index++;
      if (d < 0x30 || d > 0x39) throw this.error('invalid number');
      this.digits();
    }
    const text = Buffer.from(this.bytes.subarray(start, this.index)).toString('latin1');
    const value = Number(text) * (positive ? 1 : -1);
    if (!Number.isFinite(value)) throw this.error('number out of range');
    // integers beyond u64/i64 become floats in serde_json
    if (integer && Math.abs(value) >= 2 ** 64) integer = false;
    return new JsonNumber(value, integer);
  }

  private hex4(): number {
    if (this.index + 4 > this.bytes.length) {
      this.index = this.bytes.length;
      throw this.error(EOF_STRING);
    }
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = String.fromCharCode(this.bytes[this.index]!);
      this.index++;
      if (!/^[0-9a-fA-F]$/.test(c)) throw this.error('invalid escape');
      n = (n << 4) | parseInt(c, 16);
    }
    return n;
  }

  private string(): string {
    const out: number[] = [];
    const text: string[] = [];
    const flush = (): void => {
      if (out.length) text.push(Buffer.from(out).toString('utf8'));
      out.length = 0;
    };
    for (;;) {
      const b = this.bytes[this.index];
      if (b === undefined) throw this.error(EOF_STRING);
      this.index++;
      if (b === 0x22) {
        flush();
        return text.join('');
      }
      if (b < 0x20) throw this.error('control character (\\u0000-\\u001F) found while parsing a string');
      if (b !== 0x5c) {
        out.push(b);
        continue;
      }
      const e = this.bytes[this.index];
      if (e === undefined) throw this.error(EOF_STRING);
      this.index++;
      const simple: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
      if (simple[e] !== undefined) {
        flush();
        text.push(simple[e]);
        continue;
      }
      if (e !== 0x75) throw this.error('invalid escape');
      const n1 = this.hex4();
      flush();
      if (n1 >= 0xdc00 && n1 <= 0xdfff) throw this.error('lone leading surrogate in hex escape');
      if (n1 >= 0xd800 && n1 <= 0xdbff) {
        // next_or_eof: the byte is consumed before it is checked
        for (const want of [0x5c, 0x75]) {
          const got = this.bytes[this.index];
          if (got === undefined) throw this.error(EOF_STRING);
          this.index++;
          if (got !== want) throw this.error('unexpected end of hex escape');
        }
        const n2 = this.hex4();
        if (n2 < 0xdc00 || n2 > 0xdfff) throw this.error('lone leading surrogate in hex escape');
        text.push(String.fromCharCode(n1, n2));
      } else {
        text.push(String.fromCharCode(n1));
      }
    }
  }

  private array(): JsonValue[] {
    const items: JsonValue[] = [];
    let first = true;
    for (;;) {
      let peek = this.whitespace();
      if (peek === 0x5d) {
        this.index++;
        return items;
      }
      if (peek === 0x2c && !first) {
        this.index++;
        peek = this.whitespace();
      } else if (peek !== undefined) {
        if (!first) throw this.peekError('expected `,` or `]`');
      } else {
        throw this.peekError(EOF_LIST);
      }
      first = false;
      if (peek === 0x5d) throw this.peekError('trailing comma');
      if (peek === undefined) throw this.peekError(EOF_VALUE);
      items.push(this.value());
    }
  }

  private object(): JsonObject {
    const obj = new JsonObject();
    let first = true;
    for (;;) {
      let peek = this.whitespace();
      if (peek === 0x7d) {
        this.index++;
        return obj;
      }
      if (peek === 0x2c && !first) {
        this.index++;
        peek = this.whitespace();
      } else if (peek !== undefined) {
        if (!first) throw this.peekError('expected `,` or `}`');
      } else {
        throw this.peekError(EOF_OBJECT);
      }
      first = false;
      if (peek === 0x7d) throw this.peekError('trailing comma');
      if (peek === undefined) throw this.peekError(EOF_VALUE);
      if (peek !== 0x22) throw this.peekError('key must be a string');
      this.index++;
      const key = this.string();
      const colon = this.whitespace();
      if (colon === undefined) throw this.peekError(EOF_OBJECT);
      if (colon !== 0x3a) throw this.peekError('expected `:`');
      this.index++;
      obj.entries.set(key, this.value());
    }
  }
}

/** serde_json::from_str::<Value>: the value, or a SerdeJsonError with serde's message. */
export function parseSerdeJson(text: string | Uint8Array): JsonValue {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return new Parser(bytes).parseDocument();
}

/** What Rust's read_to_string says about bytes that are not UTF-8. */
export const INVALID_UTF8 = 'stream did not contain valid UTF-8';

export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

/** A plain JS value as the JsonValue serde would hold (for output). */
export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

/** An ordered object for output (plain JS objects would move integer-like keys first). */
export function jsonObject(entries: Iterable<[string, JsonValue]>): JsonObject {
  const o = new JsonObject();
  for (const [k, v] of entries) o.entries.set(k, v);
  return o;
}

function escapeString(s: string): string {
  return JSON.stringify(s);
}

/** serde_json::to_string (compact). */
export function toCompact(v: Plain | JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return escapeString(v);
  if (v instanceof JsonNumber) return v.toString();
  if (Array.isArray(v)) return `[${v.map((x) => toCompact(x)).join(',')}]`;
  const entries: [string, Plain | JsonValue][] = v instanceof JsonObject ? [...v.entries] : Object.entries(v);
  return `{${entries.map(([k, x]) => `${escapeString(k)}:${toCompact(x)}`).join(',')}}`;
}

/** serde_json::to_string_pretty: two-space indent, no trailing newline. */
export function toPretty(v: Plain | JsonValue, indent = ''): string {
  if (v === null || typeof v !== 'object' || v instanceof JsonNumber) return toCompact(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + toPretty(x, inner)).join(',\n')}\n${indent}]`;
  }
  const entries: [string, Plain | JsonValue][] = v instanceof JsonObject ? [...v.entries] : Object.entries(v);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${inner}${escapeString(k)}: ${toPretty(x, inner)}`).join(',\n')}\n${indent}}`;
}
