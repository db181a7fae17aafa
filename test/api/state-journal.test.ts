// The served twin's write journal: a server that dies without saving leaves its acknowledged
// writes in `<state>.journal`; loading the state replays them at their recorded times (the
// kernel log is the one the server had), the next CLI change folds them into the state file
// and removes the journal, and a new `host init` never replays an old journal.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootHost } from '../../src/api/boot.js';
import { LiveTwin } from '../../src/api/live-twin.js';
import { journalPath } from '../../src/api/state-journal.js';
import { StateStore } from '../../src/api/state-store.js';
import { TwinService } from '../../src/server/twin-service.js';
import { mdevPath, runCli, tempDir, TYPE_DIR, UUID_A } from '../cli/helpers.js';

async function killedServer(): Promise<{ state: string; served: LiveTwin }> {
  const state = join(tempDir(), 'twin.json');
  await new StateStore(state).create(await bootHost(), false);
  const svc = await TwinService.open(new StateStore(state));
  await svc.journaledWrite('/sys/bus/ap/apmask', Buffer.from('-5\n'));
  await svc.journaledWrite(`${TYPE_DIR}/create`, Buffer.from(`${UUID_A}\n`));
  await svc.journaledWrite(`${mdevPath(UUID_A)}/assign_domain`, Buffer.from('0xab\n'));
  await expect(svc.journaledWrite(`${mdevPath(UUID_A)}/assign_adapter`, Buffer.from('0x100\n'))).rejects.toThrow(/^write \S+: E[A-Z]+ /);
  // no close(): the process died with the writes in the journal only
  return { state, served: svc.live };
}

describe('the write journal', () => {
  it('replays on load, with the kernel log the server had', async () => {
    const { state, served } = await killedServer();
    expect(existsSync(journalPath(state))).toBe(true);
    const loaded = await LiveTwin.load(state);
    expect(loaded.snapshot()).toEqual(served.snapshot());
    expect(loaded.readText(`${mdevPath(UUID_A)}/matrix`)).toBe('.00ab\n');
  });

  it('is folded into the state file by the next change, and removed', async () => {
    const { state } = await killedServer();
    expect((await runCli(['--state', state, 'sys', 'write', `${mdevPath(UUID_A)}/assign_adapter`, '5'])).code).toBe(0);
    expect(existsSync(journalPath(state))).toBe(false);
    expect((await runCli(['--state', state, 'sys', 'read', `${mdevPath(UUID_A)}/matrix`])).stdout).toBe('05.00ab\n');
  });

  it('never replays onto a new twin', async () => {
    const { state } = await killedServer();
    expect((await runCli(['--state', state, 'host', 'init', '--force'])).code).toBe(0);
    expect(existsSync(journalPath(state))).toBe(false);
    expect((await runCli(['--state', state, 'sys', 'ls', '/sys/bus/mdev/devices'])).stdout).toBe('');
  });
});
