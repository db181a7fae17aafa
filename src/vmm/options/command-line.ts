// A qemu-system-* binary's argv handling (softmmu/vl.c qemu_init): a first pass that only
// checks option names and arguments, then the main pass that parses each option in
// order and may exit at once (errors, -machine help, -accel help, -version). The option
// table is the binary's (qemu-system-s390x's by default).

import { isHelpOption } from './help-option.js';
import { keyvalGetString, keyvalParseInto, type KeyvalDict } from './keyval.js';
import { ACCEL_OPTS, DEVICE_OPTS, MEMORY_OPTS, NAME_OPTS } from './opts-lists.js';
import { QemuOptsError, type QemuWarning } from './qemu-error.js';
import { QEMU_OPTIONS, type QemuOptionDef, type QemuOptionTable } from './qemu-options-table.js';
import { qemuOptGet, qemuOptsParse, type QemuOpts, type QemuOptsList } from './qemu-opts.js';
import {
  DEFAULT_PROGNAME,
  errorDiagnostic,
  formatDiagnostic,
  warningDiagnostic,
  type QemuDiagnostic,
  type QemuLocation,
} from './report.js';

/** One option as it appeared on the command line. */
export interface CommandLineOption {
  /** Table name, e.g. "device" (also for "--device"); "M" and "machine" stay distinct. */
  readonly name: string;
  /** The option word exactly as typed: "-device" or "--device". */
  readonly spelled: string;
  readonly arg?: string;
  /** Index of the option word in argv (argv excludes the program name). */
  readonly argvIndex: number;
}

export type DeviceOption =
  | { readonly option: CommandLineOption; readonly form: 'opts'; readonly opts: QemuOpts }
  /** `-device {...}`: QEMU parses it with its JSON parser, which this layer does not model. */
  | { readonly option: CommandLineOption; readonly form: 'json'; readonly json: string };

export interface AccelOption {
  readonly option: CommandLineOption;
  readonly opts: QemuOpts;
  readonly accel: string;
}

export interface ParsedCommandLine {
  /** Every option in command-line order, modelled or not. */
  readonly options: readonly CommandLineOption[];
  /** Words without a leading '-': QEMU opens each as a disk image. */
  readonly images: readonly { readonly argvIndex: number; readonly file: string }[];
  readonly devices: readonly DeviceOption[];
  /** All -machine/-M options merged, plus accel=kvm from -enable-kvm. */
  readonly machine: KeyvalDict;
  readonly accels: readonly AccelOption[];
  /** The last -cpu (QEMU keeps only the last); parse it with parseCpuOption. */
  readonly cpu?: { readonly option: CommandLineOption; readonly text: string };
  /** The merged -name options. */
  readonly name?: QemuOpts;
  /** The merged -m options. */
  readonly memory?: QemuOpts;
  readonly nodefaults: boolean;
  readonly nographic: boolean;
  /** -S: do not start the CPUs. */
  readonly startStopped: boolean;
}

/** Output that ends QEMU while it parses the command line. */
export type CommandLineHelp =
  /** machine_help_func: class properties of `type` if known, else the machine list. */
  | { readonly kind: 'machine'; readonly type?: string }
  | { readonly kind: 'accel' }
  /** qemu_opts_print_help for -name/-m: printed on stdout, exit status 1. */
  | { readonly kind: 'opts-list'; readonly list: QemuOptsList }
  | { readonly kind: 'version' }
  | { readonly kind: 'usage' }
  | { readonly kind: 'audio-help' };

export type CommandLineOutcome =
  /** Parsing went through: machine creation (and qemuProcessHelpOptions) comes next. */
  | { readonly kind: 'continue'; readonly commandLine: ParsedCommandLine; readonly diagnostics: readonly QemuDiagnostic[] }
  | {
      readonly kind: 'exit';
      readonly exitCode: number;
      readonly diagnostics: readonly QemuDiagnostic[];
      readonly help?: CommandLineHelp;
    };

/** models loc_set_cmdline for an option: the option word, plus its argument if it takes one. */
export function optionLocation(option: CommandLineOption): QemuLocation {
  return { kind: 'cmdline', words: option.arg === undefined ? [option.spelled] : [option.spelled, option.arg] };
}

/**
 * The stderr text of a later error about this option, as QEMU prints it:
 * "qemu-system-s390x: -device vfio-ap,sysfsdev=/x: No 'ap-bus' bus found for device 'vfio-ap'\n".
 */
export function formatOptionError(option: CommandLineOption, message: string, progname = DEFAULT_PROGNAME, hint?: string): string {
  const d: QemuDiagnostic = { severity: 'error', location: optionLocation(option), message };
  return formatDiagnostic(progname, hint === undefined ? d : { ...d, hint });
}

type Lookup =
  | { readonly ok: true; readonly def: QemuOptionDef; readonly option: CommandLineOption; readonly next: number }
  | { readonly ok: false; readonly diagnostic: QemuDiagnostic };

/** models lookup_opt: "--foo" is "-foo"; unknown → "invalid option"; missing argument → "requires an argument". */
function lookupOpt(argv: readonly string[], index: number, table: QemuOptionTable): Lookup {
  const word = argv[index]!;
  const name = word[1] === '-' ? word.slice(2) : word.slice(1);
  const at: QemuLocation = { kind: 'cmdline', words: [word] };
  const def = table.get(name);
  if (!def) return { ok: false, diagnostic: errorDiagnostic(new QemuOptsError('invalid-option', 'invalid option'), at) };
  if (!def.hasArg) return { ok: true, def, option: { name, spelled: word, argvIndex: index }, next: index + 1 };
  if (index + 1 >= argv.length) {
    return { ok: false, diagnostic: errorDiagnostic(new QemuOptsError('requires-argument', 'requires an argument'), at) };
  }
  return { ok: true, def, option: { name, spelled: word, arg: argv[index + 1]!, argvIndex: index }, next: index + 2 };
}

/** models qemu_init's first pass: every option word must exist before anything else runs. */
function firstPass(argv: readonly string[], table: QemuOptionTable): QemuDiagnostic | undefined {
  for (let i = 0; i < argv.length;) {
    if (!argv[i]!.startsWith('-')) {
      i++;
      continue;
    }
    const r = lookupOpt(argv, i, table);
    if (!r.ok) return r.diagnostic;
    i = r.next;
  }
  return undefined;
}

interface State {
  options: CommandLineOption[];
  images: { argvIndex: number; file: string }[];
  devices: DeviceOption[];
  deviceOpts: QemuOpts[];
  machine: KeyvalDict;
  accels: AccelOption[];
  accelOpts: QemuOpts[];
  cpu?: { option: CommandLineOption; text: string };
  name?: QemuOpts;
  memory?: QemuOpts;
  nodefaults: boolean;
  nographic: boolean;
  startStopped: boolean;
  diagnostics: QemuDiagnostic[];
}

type StepResult = { readonly exit: number; readonly help?: CommandLineHelp } | undefined;

/** Runs a parser, turning its QemuOptsError into an error diagnostic at the option's location. */
function attempt<T>(state: State, option: CommandLineOption, run: () => T): T | QemuOptsError {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof QemuOptsError)) throw e;
    state.diagnostics.push(errorDiagnostic(e, optionLocation(option)));
    return e;
  }
}

function warnAt(state: State, option: CommandLineOption): (w: QemuWarning) => void {
  return (w) => state.diagnostics.push(warningDiagnostic(w, optionLocation(option)));
}

/** models the -name and -m cases: a merged list; help prints the list and exits 1. */
function parseMergedList(state: State, option: CommandLineOption, list: QemuOptsList, current: QemuOpts | undefined): QemuOpts | StepResult {
  const r = attempt(state, option, () => qemuOptsParse(list, option.arg!, current ? [current] : [], { warn: warnAt(state, option) }));
  if (r instanceof QemuOptsError) return { exit: 1 };
  if (r.kind === 'help') return { exit: 1, help: { kind: 'opts-list', list } };
  return r.opts;
}

/** models one iteration of qemu_init's main option loop. */
function step(state: State, def: QemuOptionDef, option: CommandLineOption): StepResult {
  const arg = option.arg ?? '';
  switch (def.name) {
    case 'h':
    case 'help':
      return { exit: 0, help: { kind: 'usage' } };
    case 'version':
      return { exit: 0, help: { kind: 'version' } };
    case 'audio-help':
      return { exit: 0, help: { kind: 'audio-help' } };
    case 'M':
    case 'machine': {
      const r = attempt(state, option, () => keyvalParseInto(state.machine, arg, 'type'));
      if (r instanceof QemuOptsError) return { exit: 1 };
      state.machine = r.dict;
      const type = keyvalGetString(r.dict, 'type');
      if (r.help) return { exit: 0, help: type === undefined ? { kind: 'machine' } : { kind: 'machine', type } };
      return undefined;
    }
    case 'enable-kvm':
      state.machine = new Map(state.machine).set('accel', 'kvm');
      return undefined;
    case 'accel': {
      const r = attempt(state, option, () => qemuOptsParse(ACCEL_OPTS, arg, state.accelOpts, { warn: warnAt(state, option) }));
      // A failed parse leaves no accel name, so QEMU goes on to print the list and exit 0.
      const opts = r instanceof QemuOptsError || r.kind === 'help' ? undefined : r.opts;
      const accel = opts ? qemuOptGet(opts, 'accel') : undefined;
      if (!opts || accel === undefined || isHelpOption(accel)) return { exit: 0, help: { kind: 'accel' } };
      state.accelOpts.push(opts);
      state.accels.push({ option, opts, accel });
      return undefined;
    }
    case 'device': {
      if (arg.startsWith('{')) {
        state.devices.push({ option, form: 'json', json: arg });
        return undefined;
      }
      const r = attempt(state, option, () => qemuOptsParse(DEVICE_OPTS, arg, state.deviceOpts, { warn: warnAt(state, option) }));
      if (r instanceof QemuOptsError || r.kind === 'help') return { exit: 1 };
      state.deviceOpts.push(r.opts);
      state.devices.push({ option, form: 'opts', opts: r.opts });
      return undefined;
    }
    case 'cpu':
      state.cpu = { option, text: arg };
      return undefined;
    case 'name': {
      const r = parseMergedList(state, option, NAME_OPTS, state.name);
      if (r && 'list' in r) state.name = r;
      else return r;
      return undefined;
    }
    case 'm': {
      const r = parseMergedList(state, option, MEMORY_OPTS, state.memory);
      if (r && 'list' in r) state.memory = r;
      else return r;
      return undefined;
    }
    case 'nodefaults':
      state.nodefaults = true;
      return undefined;
    case 'nographic':
      state.nographic = true;
      return undefined;
    case 'S':
      state.startStopped = true;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * models qemu_init's option handling of a 7.2 binary (qemu-system-s390x unless another
 * table is given). `argv` excludes the program name. Never throws for any input; every
 * outcome carries QEMU's diagnostics (format them with formatDiagnostics).
 */
export function parseCommandLine(argv: readonly string[], table: QemuOptionTable = QEMU_OPTIONS): CommandLineOutcome {
  const early = firstPass(argv, table);
  if (early) return { kind: 'exit', exitCode: 1, diagnostics: [early] };
  const state: State = {
    options: [], images: [], devices: [], deviceOpts: [], machine: new Map(), accels: [], accelOpts: [],
    nodefaults: false, nographic: false, startStopped: false, diagnostics: [],
  };
  for (let i = 0; i < argv.length;) {
    if (!argv[i]!.startsWith('-')) {
      state.images.push({ argvIndex: i, file: argv[i]! });
      i++;
      continue;
    }
    const r = lookupOpt(argv, i, table);
    if (!r.ok) return { kind: 'exit', exitCode: 1, diagnostics: [...state.diagnostics, r.diagnostic] };
    i = r.next;
    state.options.push(r.option);
    if (!r.def.supported) {
      const e = new QemuOptsError('option-not-supported', 'Option not supported for this target');
      return { kind: 'exit', exitCode: 1, diagnostics: [...state.diagnostics, errorDiagnostic(e, optionLocation(r.option))] };
    }
    const result = step(state, r.def, r.option);
    if (result) {
      return result.help === undefined
        ? { kind: 'exit', exitCode: result.exit, diagnostics: state.diagnostics }
        : { kind: 'exit', exitCode: result.exit, diagnostics: state.diagnostics, help: result.help };
    }
  }
  const { options, images, devices, machine, accels, cpu, name, memory, nodefaults, nographic, startStopped } = state;
  const commandLine: ParsedCommandLine = {
    options, images, devices, machine, accels, nodefaults, nographic, startStopped,
    ...(cpu ? { cpu } : {}), ...(name ? { name } : {}), ...(memory ? { memory } : {}),
  };
  return { kind: 'continue', commandLine, diagnostics: state.diagnostics };
}
