// mdevctl's command line (clap 3 in 1.2.0): each verb's options with the relations clap
// checks (required, required-unless, requires, conflicts) and the parsers of a UUID and an
// index, in cli.rs's order; vfioctl's additions from mdevctl 1.3 (`modify --jsonfile
// --live --defined`, `--force`) follow 1.2.0's. The option *spelling* (-u/--uuid,
// --uuid=X …) is the CLI parser's job; this turns the options as given into a verb's
// options or clap's usage error.

import { validateArgs, type ArgSpec, type Occurrence } from './clap-validator.js';
import type { DefineOptions } from './mdev-define.js';
import type { ListOptions } from './mdev-list.js';
import type { ModifyOptions } from './mdev-modify.js';
import type { StartOptions } from './mdev-start.js';
import { parseMdevUuid } from './mdev-uuid.js';

/** Option values as a parser hands them over (the last value of each; strings, booleans). */
export type RawOptions = Record<string, string | boolean | undefined>;

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const flag = (v: string | boolean | undefined): boolean => v === true;

function uuidError(text: string): string | undefined {
  const r = parseMdevUuid(text);
  return r.ok ? undefined : r.error;
}

/** u32's FromStr. */
function indexError(text: string): string | undefined {
  if (/^\+?[0-9]+$/.test(text)) return Number(text.replace(/^\+/, '')) > 0xffff_ffff ? 'number too large to fit in target type' : undefined;
  return text === '' ? 'cannot parse integer from empty string' : 'invalid digit found in string';
}

const opt = (id: string, display: string, more: Partial<ArgSpec> = {}): ArgSpec => ({ id, display, ...more });
const uuid = (more: Partial<ArgSpec> = {}): ArgSpec => opt('uuid', '--uuid <UUID>', { parse: uuidError, ...more });
const parent = (more: Partial<ArgSpec> = {}): ArgSpec => opt('parent', '--parent <PARENT>', more);
const type = opt('type', '--type <type>');
const force = opt('force', '--force', { hidden: true });

const LIST: ArgSpec[] = [opt('defined', '--defined'), opt('dumpjson', '--dumpjson'), opt('verbose', '--verbose'), uuid(), parent()];
const TYPES: ArgSpec[] = [parent(), opt('dumpjson', '--dumpjson')];
const DEFINE: ArgSpec[] = [
  uuid({ requiredUnless: ['parent'] }),
  opt('auto', '--auto'),
  parent({ requiredUnless: ['uuid'] }),
  type,
  opt('jsonfile', '--jsonfile <JSONFILE>', { conflicts: ['type', 'auto'] }),
  force,
];
const UNDEFINE: ArgSpec[] = [uuid({ required: true }), parent(), force];
const MODIFY: ArgSpec[] = [
  uuid({ required: true }),
  parent(),
  type,
  opt('addattr', '--addattr <attr_name>', { conflicts: ['delattr'], requires: ['value'] }),
  opt('delattr', '--delattr'),
  opt('index', '--index <INDEX>', { parse: indexError }),
  opt('value', '--value <attr_value>'),
  opt('auto', '--auto'),
  opt('manual', '--manual', { conflicts: ['auto'] }),
  // 1.3's: --live needs --jsonfile; the file replaces the whole definition, so no other edit goes with it
  opt('live', '--live', { requires: ['jsonfile'] }),
  opt('defined', '--defined'),
  opt('jsonfile', '--jsonfile <JSONFILE>', { conflicts: ['type', 'addattr', 'delattr', 'auto', 'manual'] }),
  force,
];
const START: ArgSpec[] = [
  uuid({ requiredUnless: ['parent'] }),
  parent({ requiredUnless: ['uuid'] }),
  type,
  opt('jsonfile', '--jsonfile <JSONFILE>', { conflicts: ['type'] }),
  force,
];
const STOP: ArgSpec[] = [uuid({ required: true }), force];

/** The options in the order given; without a record of it, once each in the object's order. */
function given(raw: RawOptions, occurrences?: readonly Occurrence[]): readonly Occurrence[] {
  if (occurrences) return occurrences;
  return Object.entries(raw).flatMap(([k, v]): Occurrence[] => (typeof v === 'string' ? [[k, v]] : v === true ? [[k, true]] : []));
}

/** The UUID in mdevctl's canonical form (validated already). */
function uuidValue(raw: RawOptions): string | undefined {
  const text = str(raw.uuid);
  if (text === undefined) return undefined;
  const r = parseMdevUuid(text);
  return r.ok ? r.uuid : undefined;
}

export function listArgs(raw: RawOptions, occurrences?: readonly Occurrence[]): ListOptions {
  validateArgs('list', LIST, given(raw, occurrences));
  return { defined: flag(raw.defined), dumpjson: flag(raw.dumpjson), verbose: flag(raw.verbose), uuid: uuidValue(raw), parent: str(raw.parent) };
}

export function typesArgs(raw: RawOptions, occurrences?: readonly Occurrence[]): { parent?: string; dumpjson: boolean } {
  validateArgs('types', TYPES, given(raw, occurrences));
  return { parent: str(raw.parent), dumpjson: flag(raw.dumpjson) };
}

export function defineArgs(raw: RawOptions, occurrences?: readonly Occurrence[]): DefineOptions {
  validateArgs('define', DEFINE, given(raw, occurrences));
  return { uuid: uuidValue(raw), parent: str(raw.parent), type: str(raw.type), auto: flag(raw.auto), jsonfile: str(raw.jsonfile) };
}

export function undefineArgs(raw: RawOptions, occurrences?: readonly Occurrence[]): { uuid: string; parent?: string } {
  validateArgs('undefine', UNDEFINE, given(raw, occurrences));
  return { uuid: uuidValue(raw)!, parent: str(raw.parent) };
}

export function modifyArgs(raw: RawOptions, occurrences?: readonly Occurrence[]): ModifyOptions {
  validateArgs('modify', MODIFY, given(raw, occurrences));
  const index = str(raw.index);
  return {
    uuid: uuidValue(raw)!,
    parent: str(raw.parent),
    type: str(raw.type),
    addattr: str(raw.addattr),
    value: str(raw.value),
    delattr: flag(raw.delattr),
    index: index === undefined ? undefined : Number(index.replace(/^\+/, '')),
    auto: flag(raw.auto),
    manual: flag(raw.manual),
    jsonfile: str(raw.jsonfile),
    live: flag(raw.live),
    defined: flag(raw.defined),
  };
}

export function startArgs(raw: RawOptions, occurrences?: readonly Occurrence[]): StartOptions {
  validateArgs('start', START, given(raw, occurrences));
  return { uuid: uuidValue(raw), parent: str(raw.parent), type: str(raw.type), jsonfile: str(raw.jsonfile) };
}

export function stopArgs(raw: RawOptions, occurrences?: readonly Occurrence[]): { uuid: string } {
  validateArgs('stop', STOP, given(raw, occurrences));
  return { uuid: uuidValue(raw)! };
}
