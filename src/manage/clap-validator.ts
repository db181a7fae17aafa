// clap 3.2's checks of a subcommand's options after parsing, as Debian's mdevctl 1.2.0
// (built with clap 3.2.23) applies them, with clap's error texts and USAGE lines (exit 2):
// conflicts first (in the order the options were given), then required options (the
// `requires` of the given ones, then `required_unless_present`), then each option's values
// (the UUID and index parsers) and repeats. Models clap's parser/validator.rs and
// output/usage.rs: what the usage line lists depends on what was given.

/** One option of a subcommand, in the order the subcommand defines them. */
export interface ArgSpec {
  id: string;
  /** How clap names it in errors: `--uuid <UUID>`, `--auto`. */
  display: string;
  required?: boolean;
  /** Required unless one of these was given (`required_unless_present`). */
  requiredUnless?: string[];
  /** Also required when this one is given. */
  requires?: string[];
  conflicts?: string[];
  /** Not shown in usage lines (vfioctl's own additions). */
  hidden?: boolean;
  /** The value parser: an error text for a bad value. */
  parse?: (value: string) => string | undefined;
}

/** One option as given on the command line: its id and value (true for a flag). */
export type Occurrence = readonly [id: string, value: string | true];

/** clap's usage error (exit 2); `usage` is the USAGE line after the program name, if any. */
export class UsageError extends Error {
  constructor(
    readonly text: string,
    readonly verb: string,
    readonly usage?: string,
  ) {
    super(text);
    this.name = 'UsageError';
  }

  /** clap's rendering, with vfioctl's command in the USAGE line. */
  render(): string {
    const usage = this.usage === undefined ? '' : `\n\nUSAGE:\n    vfioctl mdev ${this.usage}`;
    return `error: ${this.text}${usage}\n\nFor more information try --help\n`;
  }
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

class Validator {
  private readonly byId: Map<string, ArgSpec>;
  /** The required graph: required args, then what given args require (gather_requires). */
  private readonly required: string[];
  /** Given options, by first occurrence (clap's ArgMatcher order), with every value. */
  private readonly given = new Map<string, (string | true)[]>();

  constructor(
    private readonly verb: string,
    private readonly args: readonly ArgSpec[],
    occurrences: readonly Occurrence[],
  ) {
    this.byId = new Map(args.map((a) => [a.id, a]));
    this.required = args.filter((a) => a.required).map((a) => a.id);
    for (const [id, value] of occurrences) {
      if (!this.byId.has(id)) continue;
      const values = this.given.get(id) ?? [];
      values.push(value);
      this.given.set(id, values);
    }
  }

  private spec(id: string): ArgSpec {
    return this.byId.get(id)!;
  }

  private has(id: string): boolean {
    return this.given.has(id);
  }

  /** Usage::get_required_usage_from: required args (each after what it requires), then `incls`. */
  private requiredUsage(incls: readonly string[], presentFiltered: boolean): string[] {
    const unrolled: string[] = [];
    for (const id of this.required) {
      unrolled.push(...this.unrollRequires(id), id);
    }
    const ids = unique([...unrolled, ...incls]).filter((id) => !(presentFiltered && this.has(id)));
    return unique(ids.map((id) => this.spec(id).display));
  }

  /** Command::unroll_arg_requires: what an argument requires, transitively. */
  private unrollRequires(id: string): string[] {
    const out: string[] = [];
    const todo = [id];
    const done = new Set<string>();
    while (todo.length > 0) {
      const a = todo.pop()!;
      if (done.has(a)) continue;
      done.add(a);
      for (const r of this.spec(a).requires ?? []) {
        if ((this.spec(r).requires ?? []).length > 0) todo.push(r);
        out.push(r);
      }
    }
    return out;
  }

  /** create_smart_usage from the given args, or the help usage when none. */
  private usage(used: readonly string[]): string {
    if (used.length === 0) {
      const options = this.args.some((a) => !a.hidden && !a.required) ? ' [OPTIONS]' : '';
      return `${this.verb}${options}${this.requiredUsage([], false).map((s) => ` ${s}`).join('')}`;
    }
    return `${this.verb}${this.requiredUsage(used, false).map((s) => ` ${s}`).join('')}`;
  }

  private shown(): string[] {
    return [...this.given.keys()].filter((id) => !this.spec(id).hidden);
  }

  /** Conflicts::gather_conflicts: given args that conflict with `id`, either way round. */
  private conflictsOf(id: string): string[] {
    const out: string[] = [];
    for (const other of this.given.keys()) {
      if (other === id) continue;
      if ((this.spec(id).conflicts ?? []).includes(other)) out.push(other);
      if ((this.spec(other).conflicts ?? []).includes(id)) out.push(other);
    }
    return out;
  }

  private validateConflicts(): void {
    for (const id of this.given.keys()) {
      const conflicting = this.conflictsOf(id);
      if (conflicting.length === 0) continue;
      const names = unique(conflicting).map((c) => this.spec(c).display);
      const text =
        names.length === 1
          ? `The argument '${this.spec(id).display}' cannot be used with '${names[0]}'`
          : `The argument '${this.spec(id).display}' cannot be used with:${names.map((n) => `\n    ${n}`).join('')}`;
      // build_conflict_err_usage: what the given args (less the conflicting ones) require, then them
      const used = this.shown().filter((u) => !conflicting.includes(u));
      const needs = used.flatMap((u) => this.spec(u).requires ?? []).filter((r) => !used.includes(r) && !conflicting.includes(r));
      throw new UsageError(text, this.verb, this.usage([...needs, ...used]));
    }
  }

  private missing(incl: readonly string[]): never {
    const names = this.requiredUsage(incl, true);
    throw new UsageError(`The following required arguments were not provided:${names.map((n) => `\n    ${n}`).join('')}`, this.verb, this.usage([...this.shown(), ...incl]));
  }

  private validateRequired(): void {
    for (const id of this.given.keys()) for (const r of this.spec(id).requires ?? []) if (!this.required.includes(r)) this.required.push(r);
    for (const id of this.required) if (!this.has(id) && this.conflictsOf(id).length === 0) this.missing([]);
    const failed = this.args.filter((a) => a.requiredUnless !== undefined && !this.has(a.id) && !a.requiredUnless.some((u) => this.has(u))).map((a) => a.id);
    if (failed.length > 0) this.missing(failed);
  }

  private validateValues(): void {
    for (const [id, values] of this.given) {
      const spec = this.spec(id);
      for (const v of values) {
        const error = typeof v === 'string' ? spec.parse?.(v) : undefined;
        if (error !== undefined) throw new UsageError(`Invalid value ${JSON.stringify(v)} for '${spec.display}': ${error}`, this.verb);
      }
      if (values.length > 1) throw new UsageError(`The argument '${spec.display}' was provided more than once, but cannot be used multiple times`, this.verb, this.usage([]));
    }
  }

  run(): void {
    this.validateConflicts();
    this.validateRequired();
    this.validateValues();
  }
}

/** Applies clap's checks to the options as given; throws the UsageError clap would print. */
export function validateArgs(verb: string, args: readonly ArgSpec[], occurrences: readonly Occurrence[]): void {
  new Validator(verb, args, occurrences).run();
}
