// `vfioctl host init [--preset doc|z16|max] [--spec FILE] [--profile modern|legacy] [--force]`:
// boots a twin from a preset or a JSON HostSpec and stores it as the state.

import { readFile } from 'node:fs/promises';
import { loadArch } from '../../kernel/arch/index.js';
import { Host } from '../../kernel/host.js';
import { HostSpecError, parseHostSpec, PRESETS, PROFILES, presetSpec, type HostSpec, type PresetName, type Profile } from '../../kernel/host-spec.js';
import { CliError, guard } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { StateOptions } from './options.js';

export interface HostInitOptions extends StateOptions {
  preset?: string;
  spec?: string;
  profile?: string;
  force: boolean;
}

function fail(message: string): never {
  throw new CliError(`host init: ${message}`);
}

function isPreset(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

function checkProfile(profile: string | undefined): Profile | undefined {
  if (profile === undefined) return undefined;
  const known = PROFILES.find((p) => p === profile);
  if (!known) fail(`unknown profile '${profile}' (expected ${PROFILES.join(' or ')})`);
  return known;
}

async function specFromFile(file: string, profile: Profile | undefined): Promise<HostSpec> {
  let input: unknown;
  try {
    input = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    fail(`cannot read host spec ${file}: ${(e as Error).message}`);
  }
  // --profile overrides the file's profile field
  const withProfile = profile && input !== null && typeof input === 'object' && !Array.isArray(input) ? { ...input, profile } : input;
  try {
    return parseHostSpec(withProfile);
  } catch (e) {
    if (e instanceof HostSpecError) fail(`${file}: ${e.message}`);
    throw e;
  }
}

async function chooseSpec(opts: HostInitOptions): Promise<{ spec: HostSpec; source: string }> {
  const profile = checkProfile(opts.profile);
  if (opts.spec !== undefined && opts.preset !== undefined) fail('give either --preset or --spec, not both');
  if (opts.spec !== undefined) return { spec: await specFromFile(opts.spec, profile), source: opts.spec };
  const preset = opts.preset ?? 'doc';
  if (!isPreset(preset)) fail(`unknown preset '${preset}' (expected ${Object.keys(PRESETS).join(', ')})`);
  return { spec: presetSpec(preset, profile), source: `preset ${preset}` };
}

/** "1 adapter", "2 adapters". */
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function hostInit(opts: HostInitOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const { spec, source } = await chooseSpec(opts);
    await loadArch(spec.arch);
    await new StateStore(opts.state).create(Host.boot(spec), opts.force);
    const counts =
      spec.arch === 's390x'
        ? [count(spec.adapters.length, 'adapter'), count(spec.usageDomains.length, 'usage domain'), count(spec.controlDomains.length, 'control domain')].join(', ')
        : spec.arch === 'ppc64le'
          ? `${spec.arch}, ${count(spec.phbs.length, 'PHB')}, ${count(spec.phbs.reduce((n, p) => n + p.pes.length, 0), 'PE')}`
          : `${spec.arch}, ${count(spec.platformDevices.length, 'platform device')}`;
    io.stdout.write(`initialised a ${spec.profile} twin from ${source} (${counts}) in ${opts.state}\n`);
    return 0;
  });
}
