// mdevctl's command-line rules (clap 3 in 1.2.0): which options each verb requires, which
// conflict, how a UUID or an index is parsed, and clap's error texts for them (exit 2).
// The option *spelling* (-u/--uuid, --uuid=X, --parent=P …) is the CLI parser's job; this
// turns the raw values into a verb's options or a usage error.

import { parseMdevUuid } from './mdev-uuid.js';
import type { DefineOptions, ListOptions, ModifyOptions, StartOptions } from './mdevctl.js';

export class UsageError extends Error {
  constructor(
    readonly text: string,
    readonly verb: string,
    readonly usage = '[OPTIONS]',
  ) {
    super(text);
    this.name = 'UsageError';
  }

  /** clap's rendering, with vfioctl's command in the USAGE line. */
  render(): string {
    if (this.text.startsWith('Invalid value')) return `error: ${this.text}\n\nFor more information try --help\n`;
    return `error: ${this.text}\n\nUSAGE:\n    vfioctl mdev ${this.verb} ${this.usage}\n\nFor more information try --help\n`;
  }
}

/** Raw option values as a parser hands them over (strings, booleans, undefined). */
export type RawOptions = Record<string, string | boolean | undefined>;

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const flag = (v: string | boolean | undefined): boolean => v === true;

function uuidOpt(verb: string, raw: RawOptions): string | undefined {
  const text = str(raw.uuid);
  if (text === undefined) return undefined;
  const r = parseMdevUuid(text);
  if (!r.ok) throw new UsageError(`Invalid value ${JSON.stringify(text)} for '--uuid <UUID>': ${r.error}`, verb);
  return r.uuid;
}

function required(verb: string, names: string[], usage: string): never {
  throw new UsageError(`The following required arguments were not provided:\n${names.map((n) => `    ${n}`).join('\n')}`, verb, usage);
}

function conflict(verb: string, a: string, b: string, usage: string): never {
  throw new UsageError(`The argument '${a}' cannot be used with '${b}'`, verb, usage);
}

function indexOpt(verb: string, raw: RawOptions): number | undefined {
  const text = str(raw.index);
  if (text === undefined) return undefined;
  if (!/^\+?[0-9]+$/.test(text) || Number(text) > 0xffff_ffff)
    throw new UsageError(`Invalid value ${JSON.stringify(text)} for '--index <INDEX>': ${/^\+?[0-9]+$/.test(text) ? 'number too large to fit in target type' : text === '' ? 'cannot parse integer from empty string' : 'invalid digit found in string'}`, verb);
  return Number(text);
}

export function listArgs(raw: RawOptions): ListOptions {
  return {
    defined: flag(raw.defined),
    dumpjson: flag(raw.dumpjson),
    verbose: flag(raw.verbose),
    uuid: uuidOpt('list', raw),
    parent: str(raw.parent),
  };
}

export function defineArgs(raw: RawOptions): DefineOptions {
  const uuid = uuidOpt('define', raw);
  const parent = str(raw.parent);
  if (uuid === undefined && parent === undefined) required('define', ['--uuid <UUID>', '--parent <PARENT>'], '--uuid <UUID> --parent <PARENT>');
  const jsonfile = str(raw.jsonfile);
  if (jsonfile !== undefined && str(raw.type) !== undefined) conflict('define', '--jsonfile <JSONFILE>', '--type <type>', '--parent <PARENT> --jsonfile <JSONFILE>');
  if (jsonfile !== undefined && flag(raw.auto)) conflict('define', '--jsonfile <JSONFILE>', '--auto', '--parent <PARENT> --jsonfile <JSONFILE>');
  return { uuid, parent, type: str(raw.type), auto: flag(raw.auto), jsonfile };
}

export function undefineArgs(raw: RawOptions): { uuid: string; parent?: string } {
  const uuid = uuidOpt('undefine', raw);
  if (uuid === undefined) required('undefine', ['--uuid <UUID>'], '[OPTIONS] --uuid <UUID>');
  return { uuid, parent: str(raw.parent) };
}

export function modifyArgs(raw: RawOptions): ModifyOptions {
  const uuid = uuidOpt('modify', raw);
  if (uuid === undefined) required('modify', ['--uuid <UUID>'], '--uuid <UUID>');
  const o: ModifyOptions = {
    uuid,
    parent: str(raw.parent),
    type: str(raw.type),
    addattr: str(raw.addattr),
    value: str(raw.value),
    delattr: flag(raw.delattr),
    index: indexOpt('modify', raw),
    auto: flag(raw.auto),
    manual: flag(raw.manual),
    jsonfile: str(raw.jsonfile),
    live: flag(raw.live),
    defined: flag(raw.defined),
  };
  if (o.auto && o.manual) conflict('modify', '--auto', '--manual', '--uuid <UUID> --auto');
  if (o.addattr !== undefined && o.delattr) conflict('modify', '--addattr <attr_name>', '--delattr', '--uuid <UUID> --addattr <attr_name> --value <attr_value>');
  if (o.addattr !== undefined && o.value === undefined) required('modify', ['--value <attr_value>'], '--uuid <UUID> --value <attr_value> --addattr <attr_name>');
  if (o.jsonfile !== undefined) {
    const other = o.addattr !== undefined ? '--addattr <attr_name>' : o.delattr ? '--delattr' : o.auto ? '--auto' : o.manual ? '--manual' : o.type !== undefined ? '--type <type>' : undefined;
    if (other) conflict('modify', '--jsonfile <JSONFILE>', other, '--uuid <UUID> --jsonfile <JSONFILE>');
  }
  if (o.live && o.jsonfile === undefined) required('modify', ['--jsonfile <JSONFILE>'], '--uuid <UUID> --live --jsonfile <JSONFILE>');
  return o;
}

export function startArgs(raw: RawOptions): StartOptions {
  const uuid = uuidOpt('start', raw);
  const parent = str(raw.parent);
  if (uuid === undefined && parent === undefined) {
    const usage = str(raw.type) !== undefined ? '--type <type> --uuid <UUID> --parent <PARENT>' : '--uuid <UUID> --parent <PARENT>';
    required('start', ['--uuid <UUID>', '--parent <PARENT>'], usage);
  }
  const jsonfile = str(raw.jsonfile);
  if (jsonfile !== undefined && str(raw.type) !== undefined) conflict('start', '--type <type>', '--jsonfile <JSONFILE>', '--parent <PARENT> --type <type>');
  return { uuid, parent, type: str(raw.type), jsonfile };
}

export function stopArgs(raw: RawOptions): { uuid: string } {
  const uuid = uuidOpt('stop', raw);
  if (uuid === undefined) required('stop', ['--uuid <UUID>'], '--uuid <UUID>');
  return { uuid };
}
