import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, twinCli } from './helpers.js';

const specOf = (state: string): { profile: string; adapters: unknown[]; usageDomains: number[] } =>
  (JSON.parse(readFileSync(state, 'utf8')) as { spec: { profile: string; adapters: unknown[]; usageDomains: number[] } }).spec;

describe('vfioctl host init', () => {
  it('boots the doc preset by default', async () => {
    const { state, cli } = twinCli();
    const r = await cli('host', 'init');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`initialised a modern twin from preset doc (2 adapters, 4 usage domains, 4 control domains) in ${state}\n`);
    expect(specOf(state)).toMatchObject({ profile: 'modern', usageDomains: [4, 0x47, 0xab, 0xff] });
  });

  it('counts in the singular where there is one', async () => {
    const { state, dir, cli } = twinCli();
    const file = join(dir, 'one.json');
    writeFileSync(file, JSON.stringify({ adapters: [{ id: 1, type: 'CEX7C' }], usageDomains: [3], controlDomains: [] }));
    expect((await cli('host', 'init', '--spec', file)).stdout).toBe(`initialised a modern twin from ${file} (1 adapter, 1 usage domain, 0 control domains) in ${state}\n`);
  });

  it('refuses to overwrite an existing state without --force', async () => {
    const { state, cli } = twinCli();
    await cli('host', 'init');
    const before = readFileSync(state, 'utf8');
    const r = await cli('host', 'init', '--preset', 'z16');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`vfioctl: host init: twin state already exists at ${state}; use --force to replace it\n`);
    expect(readFileSync(state, 'utf8')).toBe(before);
    expect((await cli('host', 'init', '--preset', 'z16', '--force')).code).toBe(0);
    expect(specOf(state).adapters).toHaveLength(8);
  });

  it('applies --profile to a preset', async () => {
    const { state, cli } = twinCli();
    expect((await cli('host', 'init', '--preset', 'max', '--profile', 'legacy')).code).toBe(0);
    expect(specOf(state)).toMatchObject({ profile: 'legacy' });
    expect(specOf(state).adapters).toHaveLength(256);
  });

  it('boots a JSON spec, with --profile overriding the file', async () => {
    const { state, dir, cli } = twinCli();
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify({ profile: 'modern', adapters: [{ id: 3, type: 'CEX7P' }], usageDomains: [1, 2] }));
    expect((await cli('host', 'init', '--spec', file, '--profile', 'legacy')).code).toBe(0);
    expect(specOf(state)).toMatchObject({ profile: 'legacy', adapters: [{ id: 3, type: 'CEX7P' }], usageDomains: [1, 2] });
  });

  it("reports a bad spec with the schema's field-naming message and writes nothing", async () => {
    const { state, dir, cli } = twinCli();
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify({ adapters: [{ id: 3, type: 'CEX9X' }] }));
    const r = await cli('host', 'init', '--spec', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `vfioctl: host init: ${file}: invalid host spec: adapters[0].type: expected CEX4..CEX8 followed by A, C or P (e.g. CEX7C)\n`,
    );
    expect(existsSync(state)).toBe(false);
  });

  it('reports unreadable spec files, unknown presets and profiles', async () => {
    const { dir, cli } = twinCli();
    const missing = join(dir, 'nope.json');
    expect((await cli('host', 'init', '--spec', missing)).stderr).toMatch(new RegExp(`^vfioctl: host init: cannot read host spec ${missing}: ENOENT`));
    writeFileSync(join(dir, 'bad.json'), '{');
    expect((await cli('host', 'init', '--spec', join(dir, 'bad.json'))).stderr).toMatch(/^vfioctl: host init: cannot read host spec .*bad\.json: /);
    expect(await cli('host', 'init', '--preset', 'z17')).toMatchObject({ code: 1, stderr: "vfioctl: host init: unknown preset 'z17' (expected doc, z16, max, seattle, midway, p9)\n" });
    expect(await cli('host', 'init', '--profile', 'new')).toMatchObject({ code: 1, stderr: "vfioctl: host init: unknown profile 'new' (expected modern or legacy)\n" });
    expect((await cli('host', 'init', '--preset', 'doc', '--spec', missing)).stderr).toBe('vfioctl: host init: give either --preset or --spec, not both\n');
  });

  it('finds the state through $VFIOCTL_STATE when --state is absent', async () => {
    const { state } = twinCli();
    expect((await runCli(['host', 'init'], { VFIOCTL_STATE: state })).code).toBe(0);
    expect(existsSync(state)).toBe(true);
  });
});
