// The README's examples run as printed: every ```console block whose prompt is `$` is run
// through vfioctl's entry point, in order, on a temporary state. Where the README shows
// output, the command must print exactly that (`…` stands for any text); where it shows
// none, the command must succeed. A block that does not begin with `host init` goes on with
// the state the previous block left (or a fresh doc twin). Blocks with the `#` prompt
// (root, FUSE) are the mount tests' business.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './cli/helpers.js';

interface Step {
  line: number;
  command: string;
  expected: string[];
}

function consoleBlocks(markdown: string): Step[][] {
  const blocks: Step[][] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```console') continue;
    const body: { text: string; line: number }[] = [];
    for (i++; lines[i] !== '```'; i++) body.push({ text: lines[i]!, line: i + 1 });
    if (!body[0]?.text.startsWith('$ ')) continue;
    const steps: Step[] = [];
    for (let k = 0; k < body.length; k++) {
      const { text, line } = body[k]!;
      if (!text.startsWith('$ ')) {
        steps.at(-1)!.expected.push(text);
        continue;
      }
      let command = text.slice(2);
      while (command.endsWith('\\')) command = `${command.slice(0, -1)} ${body[++k]!.text.trim()}`;
      steps.push({ line, command, expected: [] });
    }
    blocks.push(steps);
  }
  return blocks;
}

/** Shell words of one command line: comments, variables, single and double quotes. */
function words(command: string, vars: Map<string, string>): string[] {
  const expanded = command.replace(/\s+#.*$/, '').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => vars.get(name) ?? '');
  const out: string[] = [];
  for (const m of expanded.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

const wildcard = (expected: string): RegExp =>
  new RegExp(`^${expected.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*?')}$`, 's');

describe('README examples', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
  const blocks = consoleBlocks(readme);

  it('has console examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it('every `$ vfioctl …` example prints what the README shows', async () => {
    const dir = tempDir();
    let state: string | undefined;
    let n = 0;
    const vars = new Map<string, string>();
    for (const steps of blocks) {
      const first = words(steps[0]!.command, vars);
      if (!(first[1] === 'host' && first[2] === 'init') && state === undefined) {
        state = join(dir, `twin${n++}.json`);
        expect((await runCli(['--state', state, 'host', 'init'])).code).toBe(0);
      }
      for (const step of steps) {
        const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(\S+)$/.exec(step.command);
        if (assignment) {
          vars.set(assignment[1]!, words(assignment[2]!, vars)[0]!);
          continue;
        }
        const [pipeline, tail] = step.command.split(/\s*\|\s*tail -n\s*/);
        const argv = words(pipeline!, vars);
        expect(argv[0], `README line ${step.line}`).toBe('vfioctl');
        if (argv[1] === 'host' && argv[2] === 'init') state = join(dir, `twin${n++}.json`);
        const r = await runCli(['--state', state!, ...argv.slice(1)]);
        let output = r.stdout + r.stderr;
        if (tail !== undefined) output = `${output.trimEnd().split('\n').slice(-Number(tail)).join('\n')}\n`;
        const where = `README line ${step.line}: ${step.command}\n${output}`;
        if (step.expected.length === 0) expect(r.code, where).toBe(0);
        else expect(output, where).toMatch(wildcard(`${step.expected.join('\n')}\n`));
      }
    }
  });
});
