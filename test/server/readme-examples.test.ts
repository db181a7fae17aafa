// The README's `vfioctl serve` examples run against a served twin: the curl lines (with the
// test server's address for localhost:7420) and the standard-library Python client, whose
// printed EADDRINUSE and kernel log line must be what the README's comments say.

import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs a program with stdin (asynchronously: the server under test lives in this process). */
function run(cmd: string, args: string[], input: string, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd, encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    child.stdin!.end(input);
  });
}
import { REPO } from '../private-build.js';
import { serveTwin } from './helpers.js';

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### `vfioctl serve'));
const block = (lang: string): string => {
  const start = section.indexOf(`\`\`\`${lang}\n`) + lang.length + 4;
  return section.slice(start, section.indexOf('\n```', start));
};
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const python = has('python3');
const curl = has('curl');
if (!python) console.warn('skipping the README Python example: python3 is missing');
if (!curl) console.warn('skipping the README curl examples: curl is missing');

describe("the README's serve examples", () => {
  it.skipIf(!python)('the Python client prints 409 EADDRINUSE and the kernel line', async () => {
    const s = await serveTwin();
    const code = block('python').replace('http://127.0.0.1:7420', s.url);
    const out = (await run('python3', ['-'], code)).split('\n');
    expect(out[0]).toBe('409 EADDRINUSE');
    expect(out[1]).toMatch(/vfio_ap_mdev 669d9b23-fe1b-4ecb-be08-a2fabca99b71: Userspace may not assign queue 05\.00ab to mdev: already assigned to 62177883-f1bb-47f0-914d-32a22e3a8804$/);
  });

  it.skipIf(!curl)('the curl lines read, write, save and restore the twin', async () => {
    const s = await serveTwin();
    const host = s.url.replace('http://', '');
    // every line after `vfioctl serve &` but the endless event stream, joined at its backslashes
    const lines = block('sh').replace(/\\\n\s*/g, '').split('\n').filter((l) => l.startsWith('curl') && !l.includes('/events'));
    const script = lines.map((l) => l.replace(/\s+#.*$/, '').replaceAll('localhost:7420', host)).join('\n');
    const out = await run('bash', ['-e'], script, s.dir);
    expect(out).toContain('"text":"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\\n"');
    expect(out).toContain('"written":6');
    expect((await s.call('GET', '/api/v1/sys/read?path=/sys/bus/ap/apmask')).json.text).toBe(`0xf9${'f'.repeat(62)}\n`);
  });
});
