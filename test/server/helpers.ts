// Test helpers: a served twin in this process (the server over a temporary state file, with
// the CLI's main as its command runner) and a small JSON client for it.

import { join } from 'node:path';
import { afterEach } from 'vitest';
import { StateStore } from '../../src/api/state-store.js';
import { bootHost } from '../../src/api/boot.js';
import { main } from '../../src/cli/main.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { tempDir } from '../cli/helpers.js';

export { TYPE_DIR, UUID_A, UUID_B, mdevPath, tempDir } from '../cli/helpers.js';

const running: RunningServer[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

export interface Served extends RunningServer {
  state: string;
  dir: string;
  /** fetch with JSON in and out (the answer's JSON is untyped: tests check its shape). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any JSON the route returns
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
}

export async function serveTwin(opts: { preset?: string; tokenFile?: string; listen?: string } = {}): Promise<Served> {
  const dir = tempDir();
  const state = join(dir, 'twin.json');
  await new StateStore(state).create(await bootHost({ preset: opts.preset ?? 'doc' }), false);
  const server = await startServer({ listen: opts.listen ?? '127.0.0.1:0', state, tokenFile: opts.tokenFile, runCli: main });
  running.push(server);
  const call: Served['call'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
  return { ...server, state, dir, call };
}

/** POST /api/v1/sys/write of VALUE (echo VALUE > PATH). */
export const writeBody = (path: string, value: string) => ({ path, value });
