// QemuOpts, the classic "key=value,..." syntax of -device, -accel, -name and -m,
// modelled on QEMU 7.2's util/qemu-option.c so parse results and errors match.

import { isHelpOption } from './help-option.js';
import { idNotWellformed, idWellformed } from './id.js';
import { invalidParameter, QemuOptsError, type WarningSink } from './qemu-error.js';
import { parseOptValue, type QemuOptType, type QemuOptValue } from './opt-value.js';

/** One QemuOptDesc entry; `help` is the text qemu_opts_print_help shows. */
export interface QemuOptDesc {
  readonly name: string;
  readonly type: QemuOptType;
  readonly help?: string;
}

/** A QemuOptsList: an empty `desc` means "accepts any key" (checked later by the consumer). */
export interface QemuOptsList {
  readonly name: string;
  readonly impliedOptName?: string;
  readonly mergeLists: boolean;
  readonly desc: readonly QemuOptDesc[];
}

/** One stored key: the raw text, plus the typed value when the list declares the key. */
export interface QemuOpt {
  readonly name: string;
  readonly str: string;
  readonly value?: QemuOptValue;
}

/** One option group (one -device, or the merged -name), keys in command-line order. */
export interface QemuOpts {
  readonly list: string;
  readonly id?: string;
  readonly opts: readonly QemuOpt[];
}

export type QemuOptsParseResult =
  /** `mergedInto` is the index in `existing` that this parse extended (merge_lists). */
  | { readonly kind: 'opts'; readonly opts: QemuOpts; readonly mergedInto?: number }
  /** A "help"/"?" flag on a list with a schema: the caller prints the list's help. */
  | { readonly kind: 'help' };

interface OptToken {
  readonly name: string;
  readonly value: string;
  readonly isHelp: boolean;
  /** Set for a short-form boolean, e.g. "nofoo": prefix "no", name "foo". */
  readonly flagPrefix?: '' | 'no';
  /** Index of the next token. */
  readonly next: number;
}

/** models get_opt_value: the value runs to a single ',', and ",," stands for ','. */
function getOptValue(params: string, at: number): [string, number] {
  let value = '';
  let i = at;
  while (i < params.length) {
    if (params[i] === ',') {
      if (params[i + 1] !== ',') break;
      i++;
    }
    value += params[i];
    i++;
  }
  return [value, i];
}

/** models get_opt_name_value: one token, implied first key, short-form booleans. */
function getOptNameValue(params: string, at: number, firstname: string | undefined): OptToken {
  let len = 0;
  while (at + len < params.length && params[at + len] !== '=' && params[at + len] !== ',') len++;
  let name: string;
  let value: string;
  let p: number;
  let isHelp = false;
  let flagPrefix: '' | 'no' | undefined;
  if (params[at + len] !== '=') {
    if (firstname !== undefined) {
      name = firstname;
      [value, p] = getOptValue(params, at);
    } else {
      name = params.slice(at, at + len);
      p = at + len;
      if (name.startsWith('no')) {
        name = name.slice(2);
        value = 'off';
        flagPrefix = 'no';
      } else {
        value = 'on';
        isHelp = isHelpOption(name);
        flagPrefix = '';
      }
    }
  } else {
    name = params.slice(at, at + len);
    [value, p] = getOptValue(params, at + len + 1);
  }
  if (params[p] === ',') p++;
  return flagPrefix === undefined ? { name, value, isHelp, next: p } : { name, value, isHelp, flagPrefix, next: p };
}

/** models the short-form boolean deprecation (warn_report + error_printf), "delay" special case included. */
function warnShortFormFlag(token: OptToken, warn: WarningSink | undefined): void {
  if (token.flagPrefix === undefined || token.isHelp || !warn) return;
  const prefix = token.flagPrefix;
  const advice = token.name === 'delay'
    ? `Please use nodelay=${prefix ? 'on' : 'off'} instead\n`
    : `Please use ${token.name}=${token.value} instead\n`;
  warn({ message: `short-form boolean option '${prefix}${token.name}' deprecated`, hint: advice });
}

function* tokens(params: string, firstname: string | undefined): Generator<OptToken> {
  let p = 0;
  let implied = firstname;
  while (p < params.length) {
    const token = getOptNameValue(params, p, implied);
    implied = undefined;
    yield token;
    p = token.next;
  }
}

/**
 * models opts_parse_id: the first "id" key, found by tokenising WITHOUT the implied
 * first key, so in "foo,,id=bar" QEMU sees the flags "foo" and "" and then id=bar.
 */
export function optsParseId(params: string): string | undefined {
  for (const token of tokens(params, undefined)) if (token.name === 'id') return token.value;
  return undefined;
}

/** models has_help_option: any "help"/"?" flag, implied first key not considered. */
export function hasHelpOption(params: string): boolean {
  for (const token of tokens(params, undefined)) if (token.isHelp) return true;
  return false;
}

/** models qemu_opts_create: merge into the one entry, or check the id and make a new one. */
function createOpts(list: QemuOptsList, id: string | undefined, existing: readonly QemuOpts[]): [QemuOpts, number | undefined] {
  if (list.mergeLists) {
    if (id !== undefined) throw invalidParameter('id');
    const index = existing.findIndex((o) => o.id === undefined);
    if (index >= 0) return [existing[index]!, index];
    return [{ list: list.name, opts: [] }, undefined];
  }
  if (id === undefined) return [{ list: list.name, opts: [] }, undefined];
  if (!idWellformed(id)) throw idNotWellformed();
  if (existing.some((o) => o.id === id)) {
    throw new QemuOptsError('duplicate-id', `Duplicate ID '${id}' for ${list.name}`);
  }
  return [{ list: list.name, id, opts: [] }, undefined];
}

/** models opt_validate: unknown keys fail on lists with a schema, known keys get typed. */
function validateOpt(list: QemuOptsList, name: string, str: string, warn: WarningSink | undefined): QemuOpt {
  if (list.desc.length === 0) return { name, str };
  const desc = list.desc.find((d) => d.name === name);
  if (!desc) throw invalidParameter(name);
  return { name, str, value: parseOptValue(desc.type, name, str, warn) };
}

export interface QemuOptsParseOptions {
  /** Use the list's implied first key (QEMU passes true for every option in our subset). */
  readonly permitAbbrev?: boolean;
  /** Receives deprecation warnings in the order QEMU prints them. */
  readonly warn?: WarningSink;
}

/**
 * models qemu_opts_parse_noisily → opts_parse: id extraction, qemu_opts_create, then
 * opts_do_parse. `existing` is what earlier options of the same list produced.
 * Throws QemuOptsError; warnings reach `options.warn` before any error.
 */
export function qemuOptsParse(
  list: QemuOptsList,
  params: string,
  existing: readonly QemuOpts[] = [],
  options: QemuOptsParseOptions = {},
): QemuOptsParseResult {
  const firstname = options.permitAbbrev === false ? undefined : list.impliedOptName;
  const [base, mergedInto] = createOpts(list, optsParseId(params), existing);
  const helpWanted = list.desc.length > 0;
  const parsed: QemuOpt[] = [];
  for (const token of tokens(params, firstname)) {
    warnShortFormFlag(token, options.warn);
    if (helpWanted && token.isHelp) return { kind: 'help' };
    if (token.name === 'id') continue;
    parsed.push(validateOpt(list, token.name, token.value, options.warn));
  }
  const opts: QemuOpts = { ...base, opts: [...base.opts, ...parsed] };
  return mergedInto === undefined ? { kind: 'opts', opts } : { kind: 'opts', opts, mergedInto };
}

/** models qemu_opt_get: the LAST occurrence of a key wins. */
export function qemuOptGet(opts: QemuOpts, name: string): string | undefined {
  for (let i = opts.opts.length - 1; i >= 0; i--) if (opts.opts[i]!.name === name) return opts.opts[i]!.str;
  return undefined;
}

/** models qemu_opt_has_help_opt: any stored key named "help" or "?", whatever its value. */
export function qemuOptHasHelpOpt(opts: QemuOpts): boolean {
  return opts.opts.some((o) => isHelpOption(o.name));
}

/** Doubles every ',' so QEMU's get_opt_value reads the value back unchanged. */
export function escapeOptValue(value: string): string {
  return value.replaceAll(',', ',,');
}

/**
 * Builds a QemuOpts string that qemuOptsParse reads back as `implied` (the implied first
 * key's value) followed by `pairs` in order (an "id" pair becomes the id, as in QEMU).
 * Throws RangeError for input QEMU cannot express.
 */
export function formatQemuOptsString(implied: string | undefined, pairs: readonly (readonly [string, string])[]): string {
  const parts: string[] = [];
  if (implied !== undefined) {
    const comma = implied.indexOf(',');
    const equals = implied.indexOf('=');
    // The implied key only applies when no '=' precedes the first ',' in the raw text.
    if (equals >= 0 && (comma < 0 || equals < comma)) {
      throw new RangeError(`implied value ${JSON.stringify(implied)} would be read as a key`);
    }
    parts.push(escapeOptValue(implied));
  }
  for (const [key, value] of pairs) {
    if (key.includes(',') || key.includes('=')) throw new RangeError(`key ${JSON.stringify(key)} cannot be expressed`);
    parts.push(`${key}=${escapeOptValue(value)}`);
  }
  // A lone empty implied value needs its separator, or QEMU would see no option at all.
  if (implied === '' && pairs.length === 0) return ',';
  return parts.join(',');
}
