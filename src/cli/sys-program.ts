// The commander wiring of `sys read|write|ls|readlink|realpath|tree` and `dmesg`: argument
// parsing only; each command's module loads when it runs.

import type { Command } from 'commander';
import { rejectRoot } from './cli-error.js';
import { run, type ProgramContext } from './program-context.js';

function parseLevel(text: string): number {
  return /^[0-9]+$/.test(text) ? Number(text) : NaN;
}

export function registerSysCommands(program: Command, ctx: ProgramContext): void {
  const sys = program.command('sys').description("read and write the twin's sysfs like cat, echo, ls and tree do");
  const onTwin = (name: string) => rejectRoot(ctx, `sys ${name}`);
  sys
    .command('read')
    .description("print a file's bytes exactly")
    .argument('<path>')
    .action((path: string) => run(ctx, onTwin('read') ?? (async (io) => (await import('./commands/sys-read.js')).sysRead({ path, state: ctx.state() }, io))));
  sys
    .command('write')
    .description('write VALUE plus a newline in one write(2), as echo VALUE > PATH does (VALUE may start with -)')
    .argument('<path>')
    .argument('<value>')
    .option('--no-newline', 'write VALUE without the trailing newline (echo -n)')
    // lets a VALUE such as -5,-6 through without `--`
    .allowUnknownOption()
    .action((path: string, value: string, o: { newline: boolean }) =>
      run(ctx, onTwin('write') ?? (async (io) => (await import('./commands/sys-write.js')).sysWrite({ path, value, newline: o.newline, state: ctx.state() }, io))),
    );
  sys
    .command('ls')
    .description('list a directory, one name per line, sorted')
    .argument('<path>')
    .action((path: string) => run(ctx, onTwin('ls') ?? (async (io) => (await import('./commands/sys-ls.js')).sysLs({ path, state: ctx.state() }, io))));
  sys
    .command('readlink')
    .description("print a symlink's target")
    .argument('<path>')
    .action((path: string) => run(ctx, onTwin('readlink') ?? (async (io) => (await import('./commands/sys-readlink.js')).sysReadlink({ path, state: ctx.state() }, io))));
  sys
    .command('realpath')
    .description('print the path with every symlink resolved')
    .argument('<path>')
    .action((path: string) => run(ctx, onTwin('realpath') ?? (async (io) => (await import('./commands/sys-realpath.js')).sysRealpath({ path, state: ctx.state() }, io))));
  sys
    .command('tree')
    .description('show a directory tree (symlinks as name -> target, not followed)')
    .argument('[path]', 'where to start', '/sys')
    .option('-L <level>', 'descend at most this many levels', parseLevel)
    .action((path: string, o: { L?: number }) =>
      run(ctx, onTwin('tree') ?? (async (io) => (await import('./commands/sys-tree.js')).sysTree({ path, level: o.L, state: ctx.state() }, io))),
    );
  program
    .command('dmesg')
    .description("print the twin's kernel log as dmesg does")
    .action(() => run(ctx, rejectRoot(ctx, 'dmesg') ?? (async (io) => (await import('./commands/dmesg.js')).dmesg({ state: ctx.state() }, io))));
}
