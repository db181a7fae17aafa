// Reliability of the config store across processes: kill -9 at random points during
// 1,000 defines, 50 concurrent define processes, and concurrent conflicting autostart
// configs (exactly one wins). Real processes over an exported root and over the twin.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatMdevConfig, loadMdevConfig } from '../../src/manage/mdev-config.js';
import { isTempName } from '../../src/manage/root-config-files.js';
import { docHost, exportRoot, twinHarness } from './manage-helpers.js';
import { bundle, runNode } from './subprocess.js';

const uuidOf = (i: number): string => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const MANUAL = formatMdevConfig({ mdevType: 'vfio_ap-passthrough', start: 'manual', attrs: [] });

let cli: string;
let loop: string;
beforeAll(async () => {
  [cli, loop] = await Promise.all([bundle('cli-entry'), bundle('define-loop')]);
});

function matrixDir(root: string): string[] {
  const dir = join(root, 'etc/mdevctl.d/matrix');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('kill -9 during defines', () => {
  it('1,000 defines across 4 processes killed at random points: every config is whole', async () => {
    const root = exportRoot(docHost());
    const TOTAL = 1000;
    const WORKERS = 4;
    const per = TOTAL / WORKERS;
    let kills = 0;
    let runs = 0;
    const deadline = Date.now() + 100_000;
    const worker = async (w: number): Promise<void> => {
      let next = w * per;
      const end = next + per;
      let window = 400;
      while (next < end) {
        if (Date.now() > deadline) throw new Error(`worker ${w} stuck at ${next}`);
        runs++;
        const started = next;
        // at most 25 defines a process: many processes, so many random kills
        const p = spawn(process.execPath, [loop, root, String(next), String(Math.min(end, next + 25))], { stdio: ['ignore', 'pipe', 'pipe'] });
        // a random point in the stream of writes (and sometimes never); a process that beat
        // its kill halves the worker's window, one killed before it wrote anything doubles
        // it, so kills land among the writes however fast or busy the machine is
        const killThis = Math.random() < 0.85;
        const timer = killThis ? setTimeout(() => p.kill('SIGKILL'), Math.random() * window) : undefined;
        let buf = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines) next = Math.max(next, Number(l) + 1);
        });
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const [code, signal] = await new Promise<[number | null, string | null]>((r) => p.on('close', (c, s) => r([c, s])));
        if (timer) clearTimeout(timer);
        if (killThis && signal !== 'SIGKILL') window = Math.max(50, window / 2);
        // a kill that landed before the first define (a slow start on a busy machine)
        // widens the window, so the kills keep landing among the writes
        else if (signal === 'SIGKILL' && next === started) window = Math.min(10_000, window * 2);
        if (signal === 'SIGKILL') kills++;
        else if (code !== 0) throw new Error(`define loop failed (${code}): ${err}`);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const names = matrixDir(root);
    const configs = names.filter((n) => !isTempName(n));
    expect(configs.length).toBe(TOTAL);
    for (const name of configs) {
      const bytes = readFileSync(join(root, 'etc/mdevctl.d/matrix', name));
      expect(() => loadMdevConfig(bytes), name).not.toThrow();
      expect(bytes.toString('utf8'), name).toBe(MANUAL);
    }
    console.log(`kill -9: ${TOTAL} defines, ${runs} processes, ${kills} killed, ${names.length - configs.length} temp files left by killed writers`);
    expect(kills).toBeGreaterThan(10);
    // the next writer removes temp files whose writer is gone
    const r = await runNode(cli, ['mdev', 'define', '-u', uuidOf(5000), '-p', 'matrix', '-t', 'vfio_ap-passthrough', '--root', root]);
    expect(r.code).toBe(0);
    expect(matrixDir(root).filter(isTempName)).toEqual([]);
  }, 120_000);
});

describe('concurrent defines', () => {
  it('50 processes with disjoint configs on a real root: all 50 present', async () => {
    const root = exportRoot(docHost());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => runNode(cli, ['mdev', 'define', '-u', uuidOf(i), '-p', 'matrix', '-t', 'vfio_ap-passthrough', '--root', root])),
    );
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(matrixDir(root).sort()).toEqual(Array.from({ length: 50 }, (_, i) => uuidOf(i)).sort());
  }, 60_000);

  it('50 processes on the twin state: all 50 present', async () => {
    const h = twinHarness();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => runNode(cli, ['--state', h.state, 'mdev', 'define', '-u', uuidOf(i), '-p', 'matrix', '-t', 'vfio_ap-passthrough'])),
    );
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const list = await h.cli(['mdev', 'list', '-d']);
    expect(list.stdout.trim().split('\n')).toHaveLength(50);
  }, 60_000);

  it('conflicting autostart configs defined at once: exactly one wins, the others get ap-check’s message', async () => {
    const root = exportRoot(docHost());
    const json = '{"mdev_type":"vfio_ap-passthrough","start":"auto","attrs":[{"assign_adapter":"5"},{"assign_domain":"0xab"}]}';
    const N = 10;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => runNode(cli, ['mdev', 'define', `--uuid=${uuidOf(i)}`, '--parent=matrix', '--jsonfile=/dev/stdin', '--root', root], json)),
    );
    const winners = results.map((r, i) => ({ r, i })).filter(({ r }) => r.code === 0);
    expect(winners).toHaveLength(1);
    const winner = uuidOf(winners[0]!.i);
    for (const r of results) if (r.code !== 0) expect(r).toMatchObject({ code: 1, stderr: `vfioctl: APQN 5.171 is defined for autostart by ${winner}\n` });
    expect(matrixDir(root)).toEqual([winner]);
  }, 60_000);
});

describe('bad input writes nothing', () => {
  it('bad JSON, wrong types, bad UUIDs: mdevctl’s messages and no file', async () => {
    const root = exportRoot(docHost());
    const cases: [string[], string | undefined, number, string][] = [
      [['define', '-u', uuidOf(1), '-p', 'matrix', '--jsonfile', '/dev/stdin'], '{"mdev_type":"vfio_ap-passthrough"', 1, 'Error: EOF while parsing an object at line 1 column 34\n'],
      [['define', '-u', uuidOf(1), '-p', 'matrix', '--jsonfile', '/dev/stdin'], '{"mdev_type":"x","start":"auto","attrs":{}}', 1, 'Error: attributes field is not an array\n'],
      [['define', '-u', uuidOf(1), '-p', 'matrix', '--jsonfile', '/dev/stdin'], '{"mdev_type":"x","start":"auto","attrs":[{"a":5}]}', 1, 'Error: invalid JSON format for attribute {"a", 5}: value must be of type str\n'],
      [['define', '-u', uuidOf(1), '-p', 'matrix', '--jsonfile', '/dev/stdin'], '{"start":"auto"}', 1, 'Error: invalid json\n'],
      [['define', '-u', '783e6dbb', '-p', 'matrix', '-t', 'x'], undefined, 2, 'error: Invalid value "783e6dbb" for \'--uuid <UUID>\': invalid length: expected length 32 for simple format, found 8\n\nFor more information try --help\n'],
      [['start', '-p', 'Matrix', '-t', 'vfio_ap-passthrough'], undefined, 1, "Error: Unable to find parent device 'Matrix'. Did you mean 'matrix'?\n"],
      [['start', '-p', 'matrix', '-t', 'vfio_ap-foo'], undefined, 1, 'Error: Parent matrix does not support mdev type vfio_ap-foo\n'],
    ];
    for (const [args, stdin, code, stderr] of cases) {
      const r = await runNode(cli, ['mdev', ...args, '--root', root], stdin);
      expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }, args.join(' ')).toEqual({ code, stderr, stdout: '' });
    }
    expect(matrixDir(root)).toEqual([]);
    expect(readdirSync(join(root, 'sys/bus/mdev/devices'))).toEqual([]);
  }, 60_000);
});
