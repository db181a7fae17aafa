// `vfioctl mdev <verb>`: mdevctl 1.2.0's verbs, options and output bytes (stdout exactly
// as mdevctl prints it; runtime errors as `Error: …`, usage errors as clap's `error: …`
// with exit 2), on a real root or the twin. ap-check's refusals print `vfioctl: <message>`.

import { readFileSync } from 'node:fs';
import { isKernelError, strerror } from '../../core/errno.js';
import { ApCheckError } from '../../manage/ap-check.js';
import { UsageError, type Occurrence } from '../../manage/clap-validator.js';
import { defineArgs, listArgs, modifyArgs, startArgs, stopArgs, typesArgs, undefineArgs, type RawOptions } from '../../manage/mdev-args.js';
import { checkConfigs } from '../../manage/mdev-check.js';
import { MdevctlError } from '../../manage/mdev-config.js';
import type { MdevContext, ReadFile } from '../../manage/mdev-context.js';
import { mdevDefine, mdevUndefine } from '../../manage/mdev-define.js';
import { mdevList } from '../../manage/mdev-list.js';
import { mdevModify } from '../../manage/mdev-modify.js';
import { MdevOutput } from '../../manage/mdev-output.js';
import { mdevStart, mdevStartParent, mdevStop } from '../../manage/mdev-start.js';
import { mdevTypes } from '../../manage/mdev-types.js';
import { LockError } from '../../manage/file-lock.js';
import { CliError } from '../cli-error.js';
import type { Io } from '../io.js';
import { withBackend, type ManageOptions } from '../../api/manage-session.js';

export type MdevVerb = 'list' | 'types' | 'define' | 'undefine' | 'modify' | 'start' | 'stop' | 'start-parent-mdevs';

export interface MdevCommandOptions extends ManageOptions {
  /** Reads --jsonfile (default: the file system; /dev/stdin works for libvirt's pipe). */
  readFile?: ReadFile;
  /** Skip ap-check's rules (not exposed on the command line; tests of mdevctl parity). */
  noValidate?: boolean;
  /** The options in command-line order, one entry per occurrence (clap checks repeats and order). */
  occurrences?: readonly Occurrence[];
}

const READ_VERBS = new Set<MdevVerb>(['list', 'types']);

/** /dev/stdin is read through fd 0: opening it fails (ENXIO) when stdin is a socket. */
function defaultReadFile(path: string): Uint8Array {
  return readFileSync(path === '-' || path === '/dev/stdin' ? 0 : path);
}

/** Prints what a failure means in mdevctl's (or ap-check's) words; returns the exit code. */
export function reportFailure(e: unknown, io: Io): number {
  if (e instanceof UsageError) {
    io.stderr.write(e.render());
    return 2;
  }
  if (e instanceof MdevctlError) {
    io.stderr.write(e.render());
    return 1;
  }
  if (e instanceof ApCheckError || e instanceof LockError) {
    io.stderr.write(`vfioctl: ${e.message}\n`);
    return 1;
  }
  if (e instanceof CliError) {
    io.stderr.write(`vfioctl: ${e.message}\n`);
    return e.exitCode;
  }
  if (isKernelError(e)) {
    io.stderr.write(`vfioctl: ${e.message.startsWith(e.code) ? e.message : `${e.code} (${strerror(e.code)})`}\n`);
    return 1;
  }
  throw e;
}

function parse(verb: MdevVerb, raw: RawOptions, occurrences?: readonly Occurrence[]): unknown {
  switch (verb) {
    case 'list':
      return listArgs(raw, occurrences);
    case 'types':
      return typesArgs(raw, occurrences);
    case 'define':
      return defineArgs(raw, occurrences);
    case 'undefine':
      return undefineArgs(raw, occurrences);
    case 'modify':
      return modifyArgs(raw, occurrences);
    case 'start':
      return startArgs(raw, occurrences);
    case 'stop':
      return stopArgs(raw, occurrences);
    case 'start-parent-mdevs':
      return { parent: String(raw.parent ?? '') };
  }
}

function run(verb: MdevVerb, ctx: MdevContext, args: unknown): number {
  switch (verb) {
    case 'list':
      mdevList(ctx, args as Parameters<typeof mdevList>[1]);
      return 0;
    case 'types':
      mdevTypes(ctx, args as Parameters<typeof mdevTypes>[1]);
      return 0;
    case 'define':
      mdevDefine(ctx, args as Parameters<typeof mdevDefine>[1]);
      return 0;
    case 'undefine':
      mdevUndefine(ctx, args as Parameters<typeof mdevUndefine>[1]);
      return 0;
    case 'modify':
      mdevModify(ctx, args as Parameters<typeof mdevModify>[1]);
      return 0;
    case 'start':
      mdevStart(ctx, args as Parameters<typeof mdevStart>[1]);
      return 0;
    case 'stop':
      mdevStop(ctx, args as Parameters<typeof mdevStop>[1]);
      return 0;
    case 'start-parent-mdevs': {
      const failures = mdevStartParent(ctx, (args as { parent: string }).parent);
      for (const f of failures) {
        if (f.error instanceof MdevctlError) ctx.out.err(`${f.uuid}: ${f.error.render()}`);
        else ctx.out.err(`vfioctl: ${f.uuid}: ${(f.error as Error).message}\n`);
      }
      return failures.length > 0 ? 1 : 0;
    }
  }
}

/** Runs one mdev verb: raw option values in, mdevctl's output and exit code out. */
export async function mdevCommand(verb: MdevVerb, raw: RawOptions, opts: MdevCommandOptions, io: Io): Promise<number> {
  const out = new MdevOutput();
  const flush = (): void => {
    if (out.stdout.length) io.stdout.write(out.stdout.join(''));
    if (out.stderr.length) io.stderr.write(out.stderr.join(''));
  };
  try {
    const args = parse(verb, raw, opts.occurrences);
    const code = await withBackend(opts, READ_VERBS.has(verb) ? 'read' : 'write', (b) =>
      run(verb, { b, out, readFile: opts.readFile ?? defaultReadFile, validate: !opts.noValidate }, args),
    );
    flush();
    return code;
  } catch (e) {
    flush();
    return reportFailure(e, io);
  }
}

/** `vfioctl mdev check`: every problem of every config; exit 1 if there is any. */
export async function mdevCheck(opts: ManageOptions, io: Io): Promise<number> {
  try {
    const { checked, problems } = await withBackend(opts, 'read', (b) => checkConfigs(b));
    const lines = problems.map((p) => `${p.config}: ${p.message}\n`).join('');
    io.stdout.write(`${lines}checked ${checked} config${checked === 1 ? '' : 's'}: ${problems.length === 0 ? 'no problems' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`}\n`);
    return problems.length > 0 ? 1 : 0;
  } catch (e) {
    return reportFailure(e, io);
  }
}
