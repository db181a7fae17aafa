// Test helpers for the management commands: a vfioctl program with the management
// commands registered (the wiring buildProgram will do), run in-process against a
// temporary twin state file or an exported root.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { addGlobalOptions } from '../../src/cli/global-options.js';
import { registerApCommands } from '../../src/cli/ap-program.js';
import { registerManageCommands } from '../../src/cli/manage-program.js';
import { FILES_SECTION } from '../../src/api/manage-session.js';
import { StateStore } from '../../src/api/state-store.js';
import { Twin } from '../../src/api/twin.js';
import { presetSpec, type PresetName } from '../../src/kernel/host-spec.js';
import { Host } from '../../src/kernel/host.js';
import { exportSysfs } from '../../src/manage/export.js';
import { exportTwinFiles } from '../../src/manage/files-export.js';
import { TwinBackend } from '../../src/manage/twin-backend.js';
import { TwinFiles } from '../../src/manage/twin-files.js';

const dirs: string[] = [];

export function tempDir(prefix = 'vfioctl-manage-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const fileDirs: string[] = [];

/** A temp dir that lives until the test file ends (for beforeAll fixtures). */
export function fileTempDir(prefix = 'vfioctl-manage-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  fileDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const d of fileDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export const UUID_A = 'aaaaaaaa-0000-4000-8000-000000000001';
export const UUID_B = 'bbbbbbbb-0000-4000-8000-000000000002';
export const UUID_C = 'cccccccc-0000-4000-8000-000000000003';
export const UUID_D = 'dddddddd-0000-4000-8000-000000000004';
export const TYPE_DIR = '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A deterministic clock: each reading advances one millisecond. */
export function fixedClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => t++;
}

/** The doc host (adapters 5, 6; domains 4, 0x47, 0xab, 0xff) with its queues given to vfio_ap. */
export function docHost(preset: PresetName = 'doc', profile?: 'modern' | 'legacy'): Host {
  const host = Host.boot(presetSpec(preset, profile), { now: fixedClock() });
  const b = new TwinBackend(host);
  if (preset === 'doc') {
    b.write('/sys/bus/ap/apmask', '-5,-6\n');
    b.write('/sys/bus/ap/aqmask', '-4,-0x47,-0xab,-0xff\n');
  }
  return host;
}

/** Writes a state file as the CLI stores it (Twin snapshot) with the files section. */
export function writeState(path: string, host: Host, files = new TwinFiles()): void {
  const snap = { ...Twin.fromHost(host).snapshot(), [FILES_SECTION]: files.snapshot() };
  writeFileSync(path, `${JSON.stringify(snap)}\n`);
}

/** The twin a state file holds: its host and configuration files. */
export async function readTwinState(path: string): Promise<{ host: Host; files: TwinFiles }> {
  const twin = await new StateStore(path).loadTwin();
  return { host: twin.host, files: TwinFiles.restore(twin.sections[FILES_SECTION] as Parameters<typeof TwinFiles.restore>[0]) };
}

/** Changes a state file's config files directly (an admin editing /etc behind vfioctl's back). */
export async function editTwinFiles(path: string, fn: (files: TwinFiles) => void): Promise<void> {
  await new StateStore(path).update((_host, twin) => {
    const files = TwinFiles.restore(twin.sections[FILES_SECTION] as Parameters<typeof TwinFiles.restore>[0]);
    fn(files);
    twin.sections[FILES_SECTION] = files.snapshot();
  });
}

export interface Harness {
  state: string;
  dir: string;
  /** Runs `vfioctl --state STATE ARGV…`; `stdin` feeds --jsonfile /dev/stdin. */
  cli(argv: string[], stdin?: string): Promise<Result>;
}

export async function runProgram(argv: string[], state: string, stdin?: string): Promise<Result> {
  const io = bufferIo();
  let code = 0;
  const program = addGlobalOptions(new Command('vfioctl'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  const ctx = {
    io,
    env: {},
    state: () => program.opts<{ state?: string }>().state ?? state,
    root: () => program.opts<{ root?: string }>().root,
    setExitCode: (c: number) => (code = c),
    readFile: (p: string) => (stdin !== undefined && (p === '/dev/stdin' || p === '-') ? Buffer.from(stdin) : readFileSync(p)),
  };
  registerManageCommands(program, ctx);
  registerApCommands(program, ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
}


/** A twin state (doc host, queues freed) in a temp dir. */
export function twinHarness(host: Host = docHost(), files?: TwinFiles): Harness {
  const dir = tempDir();
  const state = join(dir, 'twin.json');
  writeState(state, host, files);
  return { state, dir, cli: (argv, stdin) => runProgram(argv, state, stdin) };
}

/** Exports a twin (sys + etc + run) to a fresh root directory. */
export function exportRoot(host: Host, files = new TwinFiles(), opts: { mdevctlDirs?: boolean; keep?: boolean } = {}): string {
  const root = opts.keep ? fileTempDir('vfioctl-root-') : tempDir('vfioctl-root-');
  exportSysfs(host.process(), root);
  exportTwinFiles(files, root, opts);
  return root;
}

/** Writes an mdevctl config file into an exported root. */
export function putConfig(root: string, parent: string, uuid: string, text: string): void {
  const dir = join(root, 'etc/mdevctl.d', parent);
  rmSync(join(dir, uuid), { force: true });
  writeFileSync(join(dir, uuid), text, { flag: 'w' });
}
