// Booting a fresh twin from a preset or a JSON HostSpec. The spec schemas (zod) load only
// here, when a twin is booted, never on a command's start path.

import type { HostSpec, PresetName, Profile } from '../kernel/host-spec.js';
import { loadArch } from '../kernel/arch/index.js';
import { Host } from '../kernel/host.js';
import { ApiError } from './errors.js';
import { LiveTwin } from './live-twin.js';

export interface BootOptions {
  /** A preset name (doc, z16, max, …); `doc` when neither preset nor spec is given. */
  preset?: string;
  /** A HostSpec as JSON data, validated (the error names the first bad field). */
  spec?: unknown;
  /** Overrides the preset's or the spec's profile. */
  profile?: Profile;
  /** The kernel's wall clock (default Date.now). */
  now?: () => number;
}

/** The HostSpec a boot uses; ApiError with the spec's own message for bad input. */
export async function resolveSpec(opts: BootOptions): Promise<HostSpec> {
  const { PRESETS, parseHostSpec, presetSpec, HostSpecError } = await import('../kernel/host-spec.js');
  if (opts.spec !== undefined && opts.preset !== undefined) throw new ApiError('give either a preset or a spec, not both');
  if (opts.spec !== undefined) {
    const input = opts.spec;
    const withProfile = opts.profile && input !== null && typeof input === 'object' && !Array.isArray(input) ? { ...input, profile: opts.profile } : input;
    try {
      return parseHostSpec(withProfile);
    } catch (e) {
      if (e instanceof HostSpecError) throw new ApiError(e.message);
      throw e;
    }
  }
  const preset = opts.preset ?? 'doc';
  if (!Object.hasOwn(PRESETS, preset)) throw new ApiError(`unknown preset '${preset}' (expected ${Object.keys(PRESETS).join(', ')})`);
  return presetSpec(preset as PresetName, opts.profile);
}

/** Boots a host kernel (the AP bus scans, drivers probe) from a preset or a spec. */
export async function bootHost(opts: BootOptions = {}): Promise<Host> {
  const spec = await resolveSpec(opts);
  await loadArch(spec.arch);
  return Host.boot(spec, opts.now ? { now: opts.now } : {});
}

/** A live twin booted from a preset or a spec. */
export async function bootTwin(opts: BootOptions = {}): Promise<LiveTwin> {
  return LiveTwin.fromHost(await bootHost(opts));
}

/** The preset names `bootTwin` knows. */
export async function presetNames(): Promise<string[]> {
  return Object.keys((await import('../kernel/host-spec.js')).PRESETS);
}
