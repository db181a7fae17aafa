// vfioctl mdev against Debian's mdevctl 1.2.0 on the same exported tree: stdout byte for
// byte, exit codes, and stderr byte for byte (`Error: …`; clap's usage errors with their
// USAGE line, where vfioctl's says `vfioctl mdev` for `mdevctl`; warnings with their
// timestamp and logger target left out). Skipped, with the reason printed, where mdevctl,
// root or unshare is missing.

import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MdevContext } from '../../src/manage/mdev-context.js';
import { mdevDefine } from '../../src/manage/mdev-define.js';
import { mdevModify } from '../../src/manage/mdev-modify.js';
import { MdevOutput } from '../../src/manage/mdev-output.js';
import { mdevStart } from '../../src/manage/mdev-start.js';
import { TwinBackend } from '../../src/manage/twin-backend.js';
import { TwinFiles } from '../../src/manage/twin-files.js';
import { docHost, exportRoot, runProgram, tempDir, UUID_A, UUID_B, UUID_C, UUID_D } from './manage-helpers.js';
import { peerUnavailable, preparePeerRoot, runMdevctlAsync as runMdevctl } from '../../bench/mdevctl-chroot.js';

const skip = peerUnavailable();
if (skip) console.log(`mdevctl peer comparison skipped: ${skip}`);

const UUID_E = 'eeeeeeee-0000-4000-8000-000000000005';
const UUID_X = '12345678-0000-4000-8000-00000000000f';

/**
 * A vfio_ccw parent beside matrix, as on an s390 host with both (subchannel 0.0.0013): its
 * one type's attributes as drivers/s390/cio/vfio_ccw_ops.c gives them.
 */
function addCcwParent(root: string): void {
  const type = join(root, 'sys/devices/css0/0.0.0013/mdev_supported_types/vfio_ccw-io');
  mkdirSync(join(type, 'devices'), { recursive: true });
  writeFileSync(join(type, 'available_instances'), '1\n');
  writeFileSync(join(type, 'device_api'), 'vfio-ccw\n');
  writeFileSync(join(type, 'name'), 'I/O subchannel (Non-QDIO)\n');
  writeFileSync(join(type, 'create'), '');
  chmodSync(join(type, 'create'), 0o200);
  symlinkSync('../../devices/css0/0.0.0013', join(root, 'sys/class/mdev_bus/0.0.0013'));
}

/** A twin with defined, active and defined+active devices, exported as a fake root (with a vfio_ccw parent too). */
function scenarioRoot(): string {
  const host = docHost();
  const files = new TwinFiles();
  const ctx: MdevContext = { b: new TwinBackend(host, files), out: new MdevOutput(), readFile: () => new Uint8Array(), validate: false };
  const T = 'vfio_ap-passthrough';
  mdevDefine(ctx, { uuid: UUID_A, parent: 'matrix', type: T, auto: true });
  for (const [k, v] of [
    ['assign_adapter', '5'],
    ['assign_domain', '0xab'],
    ['assign_control_domain', '0xab'],
  ])
    mdevModify(ctx, { uuid: UUID_A, addattr: k, value: v, delattr: false, auto: false, manual: false, live: false, defined: false });
  mdevDefine(ctx, { uuid: UUID_B, parent: 'matrix', type: T, auto: false });
  mdevModify(ctx, { uuid: UUID_B, addattr: 'assign_adapter', value: '6', delattr: false, auto: false, manual: false, live: false, defined: false });
  mdevDefine(ctx, { uuid: UUID_E, parent: 'other', type: 'x', auto: true });
  mdevStart(ctx, { uuid: UUID_A });
  // a transient device (active, not defined), built by hand through sysfs
  ctx.b.write('/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', UUID_D);
  ctx.b.write(`/sys/bus/mdev/devices/${UUID_D}/assign_adapter`, '6');
  ctx.b.write(`/sys/bus/mdev/devices/${UUID_D}/assign_domain`, '0x47');
  const root = exportRoot(host, files, { mdevctlDirs: true, keep: true });
  addCcwParent(root);
  preparePeerRoot(root);
  return root;
}

interface Both {
  ours: { code: number; stdout: string; stderr: string };
  theirs: { code: number; stdout: string; stderr: string };
}

async function both(root: string, args: string[], ourRoot = root): Promise<Both> {
  const ours = await runProgram(['mdev', ...args, '--root', ourRoot], join(ourRoot, 'no-state.json'));
  const theirs = await runMdevctl(root, args);
  return { ours, theirs };
}

/** stderr as compared: vfioctl's USAGE line names `vfioctl mdev`, a warning's time and logger target vary. */
function comparableStderr(text: string): string {
  return text.replace(/^    vfioctl mdev /m, '    mdevctl ').replace(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARN  (mdevctl|vfioctl)(::\w+)*\] /gm, '[WARN] ');
}

function expectSame(r: Both, label: string): void {
  expect(r.ours.stdout, `${label}: stdout`).toBe(r.theirs.stdout);
  expect(comparableStderr(r.ours.stderr), `${label}: stderr`).toBe(comparableStderr(r.theirs.stderr));
  expect(r.ours.code, `${label}: exit code`).toBe(r.theirs.code);
}

/** A copy of the tree to change (each tool gets its own). */
function copyOf(root: string, edit?: (copy: string) => void): string {
  const copy = tempDir('vfioctl-peer-');
  cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
  edit?.(copy);
  return copy;
}

function configTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const base = join(root, 'etc/mdevctl.d');
  for (const parent of readdirSync(base)) {
    if (parent === 'scripts.d') continue;
    for (const f of readdirSync(join(base, parent))) out[`${parent}/${f}`] = readFileSync(join(base, parent, f), 'latin1');
  }
  return out;
}

describe.skipIf(!!skip)('vfioctl mdev vs mdevctl 1.2.0 (same tree)', () => {
  let root: string;
  beforeAll(() => {
    root = scenarioRoot();
  });

  const readOnly: string[][] = [
    ['types'],
    ['types', '--dumpjson'],
    ['types', '-p', 'matrix'],
    ['types', '-p', 'nomatch'],
    ['types', '--dumpjson', '-p', 'nomatch'],
    // two parents: one JSON object holding both
    ['types', '-p', '0.0.0013'],
    ['types', '--dumpjson', '-p', '0.0.0013'],
    ['list'],
    ['list', '-v'],
    ['list', '--dumpjson'],
    ['list', '-v', '--dumpjson'],
    ['list', '-u', UUID_A, '--dumpjson'],
    ['list', '-u', UUID_D, '--dumpjson'],
    ['list', '-u', UUID_D],
    ['list', '-p', 'matrix'],
    ['list', '-p', 'nope'],
    ['list', '-d'],
    ['list', '-dv'],
    ['list', '-d', '--dumpjson'],
    ['list', '-d', '-v', '--dumpjson'],
    ['list', '-d', '-u', UUID_A, '--dumpjson'],
    ['list', '-d', '-u', UUID_A.toUpperCase()],
    ['list', '-d', '-p', 'matrix'],
    ['list', '-d', '-p', 'other', '--dumpjson'],
    ['list', '-d', '-u', UUID_X],
    ['list', '-d', '-u', UUID_X, '--dumpjson'],
    ['list', '--defined', '--uuid', `{${UUID_B}}`],
    ['list', '-u', UUID_A.replace(/-/g, '')],
  ];
  for (const args of readOnly) it(`mdevctl ${args.join(' ')}`, async () => expectSame(await both(root, args), args.join(' ')));

  const failures: string[][] = [
    ['list', '-u', '783e6dbb'],
    ['list', '-u', 'zzzzzzzz-0000-4000-8000-000000000001'],
    ['list', '-u', `${UUID_A}0`],
    ['define', '-u', UUID_X],
    ['define', '-p', 'matrix'],
    ['define', '-u', UUID_A, '-p', 'matrix', '-t', 'vfio_ap-passthrough'],
    ['define', '-u', UUID_X, '--jsonfile', '/nope.json'],
    ['define'],
    ['modify', '-u', UUID_X, '-a'],
    ['modify', '-u', UUID_X, '-p', 'other', '-a'],
    ['modify', '-u', UUID_A, '--delattr', '--index', '10'],
    ['modify', '-u', UUID_A, '--addattr', 'x', '--value', '1', '--index', '99'],
    ['modify', '-u', UUID_A, '-a', '-m'],
    ['modify', '-u', UUID_A, '--addattr', 'foo'],
    ['undefine', '-u', UUID_X],
    ['undefine'],
    ['start', '-u', UUID_X],
    ['start', '-u', UUID_A],
    ['start', '-p', 'matrix'],
    ['start', '-p', 'Matrix', '-t', 'vfio_ap-passthrough'],
    ['start', '-p', 'nope', '-t', 'x'],
    ['start', '-p', 'matrix', '-t', 'vfio_ap-foo'],
    ['stop', '-u', UUID_X],
    ['stop'],
    // a running device lends its parent only together with its type
    ['define', '-u', UUID_D, '-t', 'vfio_ap-passthrough'],
    ['define', '-u', UUID_X, '-t', 'vfio_ap-passthrough'],
    // an existing config is refused before the jsonfile is read
    ['define', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '/nope.json'],
    ['define', '-u', UUID_X, '-p', 'matrix', '--jsonfile', '/nope.json'],
    ['start', '-u', UUID_X, '-t', 'vfio_ap-passthrough'],
    ['start', '-u', UUID_B, '-t', 'other'],
    ['start', '-u', UUID_B, '-p', 'matrix', '-t', 'other'],
    ['start', '-u', UUID_X, '-p', 'other'],
    // 1.2.0 reads the jsonfile before it asks for a parent
    ['start', '-u', UUID_X, '--jsonfile', '/nope.json'],
    ['start', '--jsonfile', '/etc/mdevctl.d/matrix/' + UUID_A],
    // clap: the first conflicting option given names the error; the USAGE line lists what was given
    ['define', '-p', 'matrix', '-t', 'T', '--jsonfile', '/x'],
    ['define', '--jsonfile', '/x', '-t', 'T', '-u', UUID_X],
    ['define', '--jsonfile', '/x', '-t', 'T', '-a', '-p', 'matrix'],
    ['define', '-a', '--jsonfile', '/x', '-p', 'matrix'],
    ['modify', '-u', UUID_A, '-p', 'matrix', '-a', '-m'],
    ['modify', '-p', 'matrix', '-m', '-a', '-u', UUID_A],
    ['modify', '-u', UUID_A, '--addattr', 'x', '--delattr'],
    ['modify', '-u', UUID_A, '--delattr', '--addattr', 'x'],
    ['modify', '--addattr', 'x'],
    ['modify', '-u', 'bad', '-a', '-m'],
    ['modify', '-u', UUID_A, '--index', '3', '--index', 'zz'],
    ['modify', '-u', UUID_A, '--addattr', 'x', '--value', '1', '--index', '1', '--index', '2'],
    ['start', '-t', 'x'],
    ['start', '-u', UUID_X, '-t', 'x', '--jsonfile', '/y'],
    ['start', '--jsonfile', '/y', '-t', 'x', '-p', 'matrix'],
    ['undefine', '-p', 'matrix'],
    ['stop', '-u', UUID_X, '--uuid', UUID_X],
    ['list', '-d', '-d'],
    ['list', '-u', 'bad', '-u', UUID_A],
    ['types', '--dumpjson', '--dumpjson'],
  ];
  for (const args of failures)
    it(`fails like mdevctl: ${args.join(' ')}`, async () => {
      const copy = copyOf(root);
      expectSame(await both(copy, args, copy), args.join(' '));
      expect(configTree(copy)).toEqual(configTree(root));
    });

  it('warns about entries that are not named by a UUID', async () => {
    const copy = copyOf(root, (c) => {
      mkdirSync(join(c, 'sys/bus/mdev/devices/not-a-uuid'));
      writeFileSync(join(c, 'etc/mdevctl.d/matrix/README'), 'notes');
      mkdirSync(join(c, 'etc/mdevctl.d/matrix/subdir'));
    });
    for (const args of [['list'], ['list', '-u', UUID_A], ['list', '-d'], ['list', '-d', '-u', UUID_A, '--dumpjson'], ['start', '-u', UUID_X], ['modify', '-u', UUID_X, '-a']]) {
      const r = await both(copy, args, copy);
      expect(r.theirs.stderr, args.join(' ')).toMatch(/WARN/);
      expectSame(r, args.join(' '));
    }
  });

  it('modify and undefine find definitions as define_devices does (a bad file fails, two forms of one UUID clash)', async () => {
    const cases: [string, (c: string) => void, string[]][] = [
      ['a malformed config', (c) => writeFileSync(join(c, 'etc/mdevctl.d/matrix', UUID_X), '{'), ['undefine', '-u', UUID_X]],
      ['a malformed config', (c) => writeFileSync(join(c, 'etc/mdevctl.d/matrix', UUID_X), '{'), ['modify', '-u', UUID_X, '-m']],
      ['two forms of one UUID', (c) => cpSync(join(c, 'etc/mdevctl.d/matrix', UUID_A), join(c, 'etc/mdevctl.d/matrix', UUID_A.toUpperCase())), ['modify', '-u', UUID_A, '-m']],
      ['two forms of one UUID', (c) => cpSync(join(c, 'etc/mdevctl.d/matrix', UUID_A), join(c, 'etc/mdevctl.d/matrix', UUID_A.toUpperCase())), ['undefine', '-u', UUID_A]],
      ['two parents', (c) => cpSync(join(c, 'etc/mdevctl.d/matrix', UUID_A), join(c, 'etc/mdevctl.d/other', UUID_A)), ['modify', '-u', UUID_A, '-m']],
    ];
    for (const [label, edit, args] of cases) {
      const theirs = copyOf(root, edit);
      const ours = copyOf(root, edit);
      const r = await both(theirs, args, ours);
      expectSame(r, `${label}: ${args.join(' ')}`);
      expect(configTree(ours), `${label}: ${args.join(' ')}`).toEqual(configTree(theirs));
    }
  });

  it('a config file named by another form of its UUID: listed as JSON, not as text', async () => {
    const copy = copyOf(root, (c) => writeFileSync(join(c, 'etc/mdevctl.d/matrix', UUID_X.toUpperCase()), '{"mdev_type":"t","start":"auto","attrs":[]}'));
    for (const args of [['list', '-d'], ['list', '-d', '--dumpjson'], ['list', '-d', '-u', UUID_X, '--dumpjson']]) expectSame(await both(copy, args, copy), args.join(' '));
  });

  it("types: a type's missing or bad attribute fails the listing as in mdevctl", async () => {
    const type = 'sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough';
    const edits: [string, (c: string) => void][] = [
      ['no available_instances', (c) => rmSync(join(c, type, 'available_instances'))],
      ['no device_api', (c) => rmSync(join(c, type, 'device_api'))],
      ['a bad count', (c) => writeFileSync(join(c, type, 'available_instances'), '12x\n')],
      ['a description over two lines', (c) => writeFileSync(join(c, type, 'description'), 'first\nsecond\n')],
    ];
    for (const [label, edit] of edits) {
      const copy = copyOf(root, edit);
      for (const args of [['types'], ['types', '--dumpjson']]) expectSame(await both(copy, args, copy), `${label}: ${args.join(' ')}`);
    }
  });

  it("start prints a UUID only when it made one up (libvirt's command line gets none)", async () => {
    const theirs = copyOf(root);
    const ours = copyOf(root);
    const json = '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[]}';
    writeFileSync(join(theirs, 'start.json'), json);
    writeFileSync(join(ours, 'start.json'), json);
    const create = 'sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create';
    // libvirt: mdevctl start --parent=P --jsonfile=/dev/stdin --uuid=U (here a file in each tree)
    const libvirt = (file: string) => ['start', '--parent=matrix', `--jsonfile=${file}`, `--uuid=${UUID_X}`];
    const a = await runMdevctl(theirs, libvirt('/start.json'));
    const b = await runProgram(['mdev', ...libvirt(join(ours, 'start.json')), '--root', ours], join(ours, 'x.json'));
    expect(b).toEqual(a);
    expect(a).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(ours, create), 'utf8')).toBe(readFileSync(join(theirs, create), 'utf8'));
    for (const args of [['start', '-u', UUID_C, '-p', 'matrix', '-t', 'vfio_ap-passthrough'], ['start', '-p', 'matrix', '-t', 'vfio_ap-passthrough']]) {
      const m = await runMdevctl(theirs, args);
      const v = await runProgram(['mdev', ...args, '--root', ours], join(ours, 'x.json'));
      expect({ ...v, stdout: v.stdout.replace(/^[0-9a-f-]{36}\n$/, 'UUID\n') }, args.join(' ')).toEqual({ ...m, stdout: m.stdout.replace(/^[0-9a-f-]{36}\n$/, 'UUID\n') });
      // a generated UUID is the one written to create
      expect(readFileSync(join(ours, create), 'utf8'), args.join(' ')).toBe(args.includes('-u') ? UUID_C : v.stdout.trim());
    }
  });

  it('config loading: the same message for every malformed file', async () => {
    const bad = [
      'not json',
      '',
      '{"mdev_type":"t"}',
      '{"start":"auto"}',
      '{"mdev_type":"t","start":"auto"}',
      '{"mdev_type":"t","start":"bogus","attrs":[]}',
      '{"mdev_type":"t","start":5,"attrs":[]}',
      '{"mdev_type":"t","start":"auto","attrs":{}}',
      '{"mdev_type":"t","start":"auto","attrs":[{"a":"1","b":"2"}]}',
      '{"mdev_type":"t","start":"auto","attrs":["x"]}',
      '{"mdev_type":"t","start":"auto","attrs":[{}]}',
      '{"mdev_type":"t","start":"auto","attrs":[],"extra":1}',
      '[1]',
      '{"mdev_type":"t","start":"auto","attrs":null}',
      '{"mdev_type":null,"start":"auto","attrs":[]}',
      '{"mdev_type":"t",\n "start":"auto",\n "attrs":[,]}',
      '{"mdev_type":"t","start":"auto","attrs":[]}x',
      '{"mdev_type":"t","start":"auto","attrs":[{"a":"1"},]}',
      '{"mdev_type":"t","start":"auto",}',
      '{"mdev_type":"t" "start":"auto"}',
      '{"mdev_type":"t","start":"au\\qto"}',
      '{"mdev_type":"t","start":"\\ud800"}',
      '{"mdev_type":"t","start":"\t"}',
      '{"mdev_type":tru}',
      '{"mdev_type":01}',
      '{"mdev_type":1.}',
      '{"mdev_type":-}',
      '{"mdev_type":1e}',
      '{1:2}',
      '{"a"}',
      '[1 2]',
      '"unterminated',
      '  \n  {  "x": [ {"y": "z"}, nul ] }',
      '{"a":"\\ud800x"}',
      '{"a":"\\ud800\\x"}',
      '{"a":"\\ud800\\u0041"}',
      '{"a":"\\ud800',
      '{"a":"\\u12',
      '{"a":"\\uzz00"}',
      '{"a":"\\udc00"}',
      '{"mdev_type":"t","start":"auto","attrs":[{"a":"1"}],"mdev_type":"u"}',
      '{"mdev_type":"t","start":"auto","attrs":[{"a":"1","a":"2"}]}',
      '\ufeff{"mdev_type":"t","start":"auto"}',
      '{"mdev_type":"t","start":"auto","attrs":[{"k":"é\\n\\u00e9"}]}',
    ];
    const copy = tempDir('vfioctl-peer-');
    cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
    const file = join(copy, 'etc/mdevctl.d/matrix', UUID_X);
    for (const text of bad) {
      writeFileSync(file, text);
      for (const args of [['list', '-d'], ['list', '-d', '-u', UUID_X, '--dumpjson']]) expectSame(await both(copy, args, copy), `${JSON.stringify(text)}: ${args.join(' ')}`);
    }
    rmSync(file);
  });

  it('define/modify/undefine write the same files', async () => {
    const theirs = tempDir('vfioctl-peer-');
    const ours = tempDir('vfioctl-peer-');
    cpSync(root, theirs, { recursive: true, verbatimSymlinks: true });
    cpSync(root, ours, { recursive: true, verbatimSymlinks: true });
    const json = '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"6"},{"assign_domain":"4"}]}';
    writeFileSync(join(theirs, 'cfg.json'), json);
    const steps: [string[], string[]][] = [
      [['define', '-u', UUID_C, '-p', 'matrix', '-t', 'vfio_ap-passthrough'], []],
      [['modify', '-u', UUID_C, '--addattr=assign_adapter', '--value=6'], []],
      [['modify', '-u', UUID_C, '--addattr=assign_domain', '--value=0x47'], []],
      [['modify', '-u', UUID_C, '--addattr', 'assign_control_domain', '--value', '0x47'], []],
      [['modify', '-u', UUID_C, '--addattr=assign_domain', '--value=4', '--index=0'], []],
      [['modify', '-u', UUID_C, '--delattr', '--index', '1'], []],
      [['modify', '-u', UUID_C, '--delattr'], []],
      [['modify', '-u', UUID_C, '-t', 'other-type', '-m'], []],
      [['modify', '-u', UUID_C, '-t', 'vfio_ap-passthrough'], []],
      [['modify', '-u', UUID_C], []],
      [['define', '-u', UUID_D], []],
      [['define', '-u', UUID_X, '-p', 'matrix', '--jsonfile', '/cfg.json'], ['define', '-u', UUID_X, '-p', 'matrix', '--jsonfile', join(theirs, 'cfg.json')]],
      [['undefine', '-u', UUID_E], []],
      [['undefine', '-u', UUID_B, '-p', 'matrix'], []],
    ];
    for (const [args, ourArgs] of steps) {
      const a = await runMdevctl(theirs, args);
      const b = await runProgram(['mdev', ...(ourArgs.length ? ourArgs : args), '--root', ours], join(ours, 'x.json'));
      expect({ code: b.code, stdout: b.stdout, stderr: b.stderr }, args.join(' ')).toEqual(a);
      expect(configTree(ours), args.join(' ')).toEqual(configTree(theirs));
    }
  });
});
