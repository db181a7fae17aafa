// vfioctl mdev on the twin: ap-check's validation (define, modify of auto configs, start),
// the atomic start, live modify through ap_config (the guest's CRYCB follows), mdev check,
// start-parent-mdevs, and the twin's config files persisted in the state file.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MdevctlError } from '../../src/manage/mdev-config.js';
import type { MdevContext } from '../../src/manage/mdev-context.js';
import { MdevOutput } from '../../src/manage/mdev-output.js';
import { mdevStart } from '../../src/manage/mdev-start.js';
import { TwinBackend } from '../../src/manage/twin-backend.js';
import { TwinFiles } from '../../src/manage/twin-files.js';
import { realize } from '../kernel/vfio/qemu-like.js';
import { docHost, twinHarness, UUID_A, UUID_B, UUID_C, UUID_D, readTwinState, editTwinFiles } from './manage-helpers.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';
import { s390Kvm } from '../../src/kernel/kvm/s390/kvm-s390.js';

const T = 'vfio_ap-passthrough';
const cfg = (start: 'auto' | 'manual', attrs: [string, string][]) =>
  JSON.stringify({ mdev_type: T, start, attrs: attrs.map(([k, v]) => ({ [k]: v })) });

describe('ap-check validation', () => {
  it('define: an auto config may not share an APQN with another auto config; nothing is written', async () => {
    const h = twinHarness();
    expect((await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '-'], cfg('auto', [['assign_adapter', '5'], ['assign_domain', '0xab']]))).code).toBe(0);
    const r = await h.cli(['mdev', 'define', '-u', UUID_B, '-p', 'matrix', '--jsonfile', '-'], cfg('auto', [['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '171']]));
    expect(r).toEqual({ code: 1, stdout: '', stderr: `vfioctl: APQN 5.171 is defined for autostart by ${UUID_A}\n` });
    // manual configs may overlap
    expect((await h.cli(['mdev', 'define', '-u', UUID_B, '-p', 'matrix', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '5'], ['assign_domain', '0xab']]))).code).toBe(0);
    // … until one is made auto
    const m = await h.cli(['mdev', 'modify', '-u', UUID_B, '-a']);
    expect(m).toEqual({ code: 1, stdout: '', stderr: `vfioctl: APQN 5.171 is defined for autostart by ${UUID_A}\n` });
    expect((await h.cli(['mdev', 'list', '-d'])).stdout).toBe(`${UUID_A} matrix ${T} auto\n${UUID_B} matrix ${T} manual\n\n`);
  });

  it('define: APQNs the persistent masks give the host are refused (41-ap.rules, else the active masks)', async () => {
    const h = twinHarness();
    // the doc host gave 5, 6 x 4, 0x47, 0xab, 0xff to vfio_ap; persistently the host keeps 06.0004
    expect((await h.cli(['ap', 'mask', '--apmask', '+6', '--aqmask', '+4', '--persistent'])).code).toBe(0);
    const r = await h.cli(['mdev', 'define', '-u', UUID_C, '-p', 'matrix', '--jsonfile', '-'], cfg('auto', [['assign_adapter', '6'], ['assign_domain', '4'], ['assign_domain', '0xab']]));
    expect(r.stderr).toBe('vfioctl: APQN 6.4 is not defined for vfio_ap-passthrough use by the persistent ap bus mask settings\n');
    expect(r.code).toBe(1);
  });

  it('start: active masks, usage domains and APQNs in use by running mdevs', async () => {
    const h = twinHarness();
    await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '5'], ['assign_domain', '0xab'], ['assign_control_domain', '0xab']]));
    expect((await h.cli(['mdev', 'start', '-u', UUID_A])).code).toBe(0);
    const inUse = await h.cli(['mdev', 'start', '-p', 'matrix', '--jsonfile', '-', '-u', UUID_C], cfg('manual', [['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '0xab']]));
    expect(inUse).toEqual({ code: 1, stdout: '', stderr: `vfioctl: APQN 5.171 already in use by ${UUID_A}\n` });
    const controlOnly = await h.cli(['mdev', 'start', '-p', 'matrix', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '6'], ['assign_control_domain', '4']]));
    expect(controlOnly.stderr).toBe('vfioctl: At least one usage domain must be specified\n');
    expect((await h.cli(['ap', 'mask', '--apmask', '+6', '--aqmask', '+4'])).code).toBe(0);
    const masked = await h.cli(['mdev', 'start', '-p', 'matrix', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '6'], ['assign_domain', '4']]));
    expect(masked.stderr).toBe('vfioctl: APQN 6.4 is not allowed for vfio_ap-passthrough use by the active ap bus mask settings\n');
    // nothing was created by the refused starts
    expect((await h.cli(['mdev', 'list'])).stdout).toBe(`${UUID_A} matrix ${T} manual (defined)\n\n`);
  });
});

describe('atomic start', () => {
  it('a refused attribute removes the device and reports the kernel error, its errno and the attribute', async () => {
    const h = twinHarness();
    await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '5'], ['assign_domain', 'abc']]));
    const r = await h.cli(['mdev', 'start', '-u', UUID_A]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'Error: Failed to write abc to attribute assign_domain\n\nCaused by:\n    Invalid argument (os error 22)\n' });
    expect((await h.cli(['mdev', 'list'])).stdout).toBe('\n');
  });

  it('a sharing conflict the kernel finds (EADDRINUSE) leaves no half-configured mdev', () => {
    const host = docHost();
    const ctx: MdevContext = { b: new TwinBackend(host), out: new MdevOutput(), readFile: () => Buffer.from(''), validate: false };
    ctx.b.write(`/sys/devices/vfio_ap/matrix/mdev_supported_types/${T}/create`, UUID_D);
    ctx.b.write(`/sys/bus/mdev/devices/${UUID_D}/assign_adapter`, '5');
    ctx.b.write(`/sys/bus/mdev/devices/${UUID_D}/assign_domain`, '0xab');
    const attrs: [string, string][] = [
      ['assign_domain', '0xab'],
      ['assign_adapter', '5'],
    ];
    ctx.readFile = () => Buffer.from(JSON.stringify({ mdev_type: T, start: 'manual', attrs: attrs.map(([k, v]) => ({ [k]: v })) }));
    let err: unknown;
    try {
      mdevStart(ctx, { uuid: UUID_A, parent: 'matrix', jsonfile: 'x.json' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MdevctlError);
    expect((err as MdevctlError).render()).toBe('Error: Failed to write 5 to attribute assign_adapter\n\nCaused by:\n    Address already in use (os error 98)\n');
    expect(apOf(host).vfioAp.byUuid.has(UUID_A)).toBe(false);
    expect(ctx.b.exists(`/sys/bus/mdev/devices/${UUID_A}`)).toBe(false);
  });
});

describe('live modify', () => {
  it('applies a new matrix to a running device in one ap_config write; the guest sees it', async () => {
    const host = docHost();
    const files = new TwinFiles();
    const ctx: MdevContext = { b: new TwinBackend(host, files), out: new MdevOutput(), readFile: () => Buffer.from('') };
    ctx.readFile = () => Buffer.from(cfg('manual', [['assign_adapter', '5'], ['assign_domain', '4'], ['assign_control_domain', '4']]));
    mdevStart(ctx, { uuid: UUID_A, parent: 'matrix', jsonfile: 'a.json' });
    const qemu = realize(host, UUID_A);
    const kvm = host.kvms.vms.get(qemu.vmId)!;
    expect(s390Kvm(kvm).crycb.masks().aqm.ids()).toEqual([4]);
    const h = twinHarness(host, files);
    const r = await h.cli(['mdev', 'modify', '-u', UUID_A, '--live', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '4'], ['assign_domain', '0x47'], ['assign_control_domain', '4']]));
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const after = await readTwinState(h.state);
    const m = apOf(after.host).vfioAp.byUuid.get(UUID_A)!;
    expect(m.matrix.apm.ids()).toEqual([5, 6]);
    expect(m.matrix.aqm.ids()).toEqual([4, 0x47]);
    // in-process: the same write reaches the running guest's CRYCB
    ctx.readFile = () => Buffer.from(cfg('manual', [['assign_adapter', '5'], ['assign_adapter', '6'], ['assign_domain', '0x47'], ['assign_control_domain', '4']]));
    const { mdevModify } = await import('../../src/manage/mdev-modify.js');
    mdevModify(ctx, { uuid: UUID_A, jsonfile: 'x', live: true, defined: false, delattr: false, auto: false, manual: false });
    expect(s390Kvm(kvm).crycb.masks().apm.ids()).toEqual([5, 6]);
    expect(s390Kvm(kvm).crycb.masks().aqm.ids()).toEqual([0x47]);
  });

  it('refuses without ap_config (legacy kernel) and validates like start', async () => {
    const legacy = twinHarness(docHost('doc', 'legacy'));
    await legacy.cli(['mdev', 'start', '-u', UUID_A, '-p', 'matrix', '-t', T]);
    const r = await legacy.cli(['mdev', 'modify', '-u', UUID_A, '--live', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '5']]));
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'vfioctl: vfio-ap module does not support ap_config for live modification\n' });
    const h = twinHarness();
    await h.cli(['mdev', 'start', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '5'], ['assign_domain', '4']]));
    await h.cli(['mdev', 'start', '-u', UUID_B, '-p', 'matrix', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '6'], ['assign_domain', '4']]));
    const clash = await h.cli(['mdev', 'modify', '-u', UUID_B, '--live', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '5'], ['assign_domain', '4']]));
    expect(clash.stderr).toBe(`vfioctl: APQN 5.4 already in use by ${UUID_A}\n`);
    // mdevctl 1.3's cli.rs: --live `requires("jsonfile")`, so clap refuses it (exit 2) before
    // modify_command's "'live' option must be used with 'jsonfile' option" could run
    expect(await h.cli(['mdev', 'modify', '-u', UUID_B, '--live'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: The following required arguments were not provided:\n    --jsonfile <JSONFILE>\n\nUSAGE:\n    vfioctl mdev modify --uuid <UUID> --jsonfile <JSONFILE> --live\n\nFor more information try --help\n`,
    });
  });
});

describe('mdev check, autostart, persistence', () => {
  it('reports every problem at once', async () => {
    const h = twinHarness();
    const define = (u: string, body: string) => h.cli(['mdev', 'define', '-u', u, '-p', 'matrix', '--jsonfile', '-'], body);
    await define(UUID_A, cfg('auto', [['assign_adapter', '5'], ['assign_domain', '0xab']]));
    await define(UUID_B, cfg('manual', [['assign_adapter', '5'], ['assign_domain', '0xab'], ['assign_adapter', '7'], ['assign_control_domain', '0x10'], ['bogus', '1'], ['assign_domain', '5,6']]));
    // make B auto behind ap-check's back (an admin editing the file)
    await editTwinFiles(h.state, (files) => files.writeAtomic(`/etc/mdevctl.d/matrix/${UUID_B}`, cfg('auto', [['assign_adapter', '5'], ['assign_domain', '0xab'], ['assign_adapter', '7'], ['bogus', '1'], ['assign_domain', '5,6']])));
    await editTwinFiles(h.state, (files) => files.writeAtomic(`/etc/mdevctl.d/matrix/${UUID_C}`, '{"mdev_type":'));
    const r = await h.cli(['mdev', 'check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        `matrix/${UUID_B}: attribute 'bogus' does not exist on vfio_ap-passthrough devices`,
        `matrix/${UUID_B}: attribute assign_domain value '5,6' is not a number the kernel accepts (kstrtoul base 0: decimal, 0x hex, 0 octal; one id per attribute)`,
        `matrix/${UUID_B}: adapter 7 (0x07) is not in the host's AP configuration (ap_adapter_mask)`,
        // libap reads "5,6" as two domains; the kernel would refuse it
        `matrix/${UUID_B}: usage domain 5 (0x05) is not in the host's AP configuration (ap_usage_domain_mask)`,
        `matrix/${UUID_B}: usage domain 6 (0x06) is not in the host's AP configuration (ap_usage_domain_mask)`,
        `matrix/${UUID_C}: EOF while parsing a value at line 1 column 13`,
        `matrix/${UUID_B}: APQN 5.171 is defined for autostart by ${UUID_A}`,
        `matrix/${UUID_B}: APQN 7.5 is not defined for vfio_ap-passthrough use by the persistent ap bus mask settings`,
        `matrix/${UUID_B}: APQN 7.6 is not defined for vfio_ap-passthrough use by the persistent ap bus mask settings`,
        'checked 3 configs: 9 problems',
        '',
      ].join('\n'),
    );
  });

  it('start-parent-mdevs starts the auto configs that are not running', async () => {
    const h = twinHarness();
    await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '-'], cfg('auto', [['assign_adapter', '5'], ['assign_domain', '4']]));
    await h.cli(['mdev', 'define', '-u', UUID_B, '-p', 'matrix', '--jsonfile', '-'], cfg('manual', [['assign_adapter', '6'], ['assign_domain', '4']]));
    await h.cli(['mdev', 'define', '-u', UUID_C, '-p', 'matrix', '--jsonfile', '-'], cfg('auto', [['assign_adapter', '6'], ['assign_domain', '0x47']]));
    expect(await h.cli(['mdev', 'start-parent-mdevs', 'matrix'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await h.cli(['mdev', 'list'])).stdout).toBe(`${UUID_A} matrix ${T} auto (defined)\n${UUID_C} matrix ${T} auto (defined)\n\n`);
    const live = await readTwinState(h.state);
    expect(apOf(live.host).vfioAp.byUuid.get(UUID_C)!.matrix.aqm.ids()).toEqual([0x47]);
  });

  it('keeps the config files in the state file next to the Host snapshot', async () => {
    const h = twinHarness();
    await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '-t', T]);
    const snap = JSON.parse(readFileSync(h.state, 'utf8')) as { files: { files: Record<string, string> }; version: number };
    expect(snap.version).toBe(2);
    expect(snap.files.files[`/etc/mdevctl.d/matrix/${UUID_A}`]).toBe('{\n  "mdev_type": "vfio_ap-passthrough",\n  "start": "manual",\n  "attrs": []\n}');
    // a read-only command does not rewrite the state
    const before = readFileSync(h.state, 'utf8');
    await h.cli(['mdev', 'list', '-d']);
    expect(readFileSync(h.state, 'utf8')).toBe(before);
  });
});
