// `vfioctl serve` as a real process: it prints its URL, serves, stops cleanly on SIGTERM, and
// a kill -9 in the middle of 10 concurrent writers loses none of the writes it acknowledged:
// a restarted server on the same state has every one of them.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateBuild } from '../private-build.js';
import { TYPE_DIR, tempDir } from './helpers.js';

const run = promisify(execFile);
let buildDir: string;
let bin: string;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'vfioctl-build-'));
  bin = privateBuild(buildDir);
}, 120_000);

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

/** Starts `vfioctl serve` on a free port; resolves with the process and its URL (its first stdout line). */
function serve(state: string): Promise<{ proc: ChildProcess; url: string; exited: Promise<number | null> }> {
  const proc = spawn(process.execPath, [bin, '--state', state, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (line) => resolve({ proc, url: line.replace(/\/$/, ''), exited }));
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

describe('vfioctl serve as a process', () => {
  it('serves, routes the CLI through itself and stops cleanly on SIGTERM', async () => {
    const state = join(tempDir(), 'twin.json');
    await run(process.execPath, [bin, '--state', state, 'host', 'init']);
    const s = await serve(state);
    const uuid = 'aaaaaaaa-0000-4000-8000-000000000001';
    await run(process.execPath, [bin, '--state', state, 'sys', 'write', `${TYPE_DIR}/create`, uuid]);
    const ls = (await (await fetch(`${s.url}/api/v1/sys/ls?path=/sys/bus/mdev/devices`)).json()) as { names: string[] };
    expect(ls.names).toEqual([uuid]);
    s.proc.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(existsSync(`${state}.sock`)).toBe(false);
  }, 60_000);

  it('loses no acknowledged write to a kill -9 in the middle of 10 concurrent writers', async () => {
    const state = join(tempDir(), 'twin.json');
    await run(process.execPath, [bin, '--state', state, 'host', 'init']);
    const s = await serve(state);
    const acked: string[] = [];
    let n = 0;
    const writer = async (w: number): Promise<void> => {
      for (;;) {
        const uuid = `bbbbbbbb-0000-4000-8000-${String(w).padStart(4, '0')}${String(n++).padStart(8, '0')}`;
        let res: Response;
        try {
          res = await fetch(`${s.url}/api/v1/sys/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: `${TYPE_DIR}/create`, value: uuid }) });
        } catch {
          return;
        }
        if (res.status === 200) acked.push(uuid);
        await res.arrayBuffer();
      }
    };
    const writers = Array.from({ length: 10 }, (_, w) => writer(w));
    while (acked.length < 150) await new Promise((r) => setTimeout(r, 5));
    s.proc.kill('SIGKILL');
    await Promise.all(writers);
    await s.exited;
    const again = await serve(state);
    const names = ((await (await fetch(`${again.url}/api/v1/sys/ls?path=/sys/bus/mdev/devices`)).json()) as { names: string[] }).names;
    expect(acked.filter((u) => !names.includes(u))).toEqual([]);
    again.proc.kill('SIGTERM');
    await again.exited;
  }, 120_000);
});
