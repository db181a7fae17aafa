// The architecture seam: a host is assembled from its arch's parts; specs without `arch`
// are s390x; version-1 state files still load; /proc/cmdline and module parameters.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';
import { Host } from '../../../src/kernel/host.js';
import { HostSpecError, parseHostSpec } from '../../../src/kernel/host-spec.js';
import { ModuleParams, cmdlineWords } from '../../../src/kernel/module-params.js';
import { KernelLog } from '../../../src/kernel/printk.js';
import { readText } from '../../../src/kernel/syscall-surface.js';
import { Vfs } from '../../../src/kernel/vfs/vfs.js';
import { errno } from '../sh.js';

const now = (): number => 1_700_000_000_000;

describe('HostSpec: a discriminated union on arch', () => {
  it('a spec without arch is s390x with every default, as before', () => {
    const spec = parseHostSpec({ adapters: [{ id: 5, type: 'CEX5C' }], usageDomains: [4] });
    expect(spec).toMatchObject({ arch: 's390x', profile: 'modern', cmdline: '', qci: true, apxa: true, maxAdapter: 255, controlDomains: [4] });
  });

  it('errors name the field, also inside an arch', () => {
    const bad = (input: unknown): string => {
      try {
        parseHostSpec(input);
        return 'accepted';
      } catch (e) {
        return (e as HostSpecError).message;
      }
    };
    expect(bad({ arch: 'mips' })).toMatch(/^invalid host spec: arch: Invalid discriminator value/);
    expect(bad({ arch: 'ppc64le' })).toBe('invalid host spec: phbs: Invalid input: expected array, received undefined');
    expect(bad({ arch: 'aarch64', adapters: [] })).toMatch(/^invalid host spec: Unrecognized key: "adapters"/);
    expect(bad({ arch: 'aarch64', platformDevices: [{ node: 'smb/x@0', compatible: ['a'] }] })).toBe(
      'invalid host spec: platformDevices[0].node: expected a device-tree node path such as /smb/xgmac@e0700000',
    );
    expect(bad({ arch: 'arm', platformDevices: [{ node: '/soc/e@0', compatible: ['a'], interrupts: [{ spi: 988, trigger: 'level' }] }] })).toMatch(
      /^invalid host spec: platformDevices\[0\]\.interrupts\[0\]\.spi: /,
    );
    expect(bad({ arch: 'arm', cmdline: 'a\nb' })).toBe('invalid host spec: cmdline: expected one line of text');
    expect(bad({ adapters: [{ id: 5, type: 'CEX9C' }] })).toBe('invalid host spec: adapters[0].type: expected CEX4..CEX8 followed by A, C or P (e.g. CEX7C)');
  });
});

describe('a host is the set of its arch parts', () => {
  it('s390x has the AP bus and /dev/kvm; aarch64 has KVM but no AP bus; 32-bit ARM has KVM only in the 4.20 profile', () => {
    const s390 = Host.boot(parseHostSpec({}), { now });
    expect(apOf(s390).bus.cards.size).toBe(0);
    const sh = s390.process();
    expect(sh.readdir('/sys/bus')).toEqual(['ap', 'matrix', 'mdev']);
    expect(sh.stat('/dev/kvm').kind).toBe('chr');

    const a64 = Host.boot(parseHostSpec({ arch: 'aarch64' }), { now });
    expect(() => apOf(a64)).toThrow('an aarch64 host has no AP bus');
    expect(a64.process().stat('/dev/kvm').kind).toBe('chr');
    const arm = Host.boot(parseHostSpec({ arch: 'arm' }), { now });
    expect(errno(() => arm.process().stat('/dev/kvm'))).toBe('ENOENT');
    const arm420 = Host.boot(parseHostSpec({ arch: 'arm', profile: 'legacy' }), { now });
    expect(arm420.process().stat('/dev/kvm').kind).toBe('chr');
  });

  it('/proc/cmdline shows the command line', () => {
    const host = Host.boot(parseHostSpec({ arch: 'aarch64', cmdline: 'console=ttyAMA0 vfio_platform.reset_required=0' }), { now });
    expect(readText(host.process(), '/proc/cmdline')).toBe('console=ttyAMA0 vfio_platform.reset_required=0\n');
    expect(host.log.entries.map((e) => e.text)).toContain('Kernel command line: console=ttyAMA0 vfio_platform.reset_required=0');
    expect(readText(Host.boot(parseHostSpec({}), { now }).process(), '/proc/cmdline')).toBe('\n');
  });
});

describe('module parameters from the command line (parse_args "Booting kernel")', () => {
  const params = (profile: 'modern' | 'legacy') => {
    const vfs = new Vfs();
    const log = new KernelLog(() => 0);
    const p = new ModuleParams({ vfs, log, profile });
    const param = p.declare('vfio_platform', 'reset_required', 'bool', true);
    return { vfs, log, p, param };
  };

  it('module.param=value sets a built-in parameter; - and _ are the same; the last word wins', () => {
    const { vfs, p, param } = params('modern');
    p.applyCmdline('quiet vfio-platform.reset_required=0');
    expect(param.bool).toBe(false);
    const node = vfs.resolve('/sys/module/vfio_platform/parameters/reset_required').node;
    expect(node.kind === 'file' && node.mode).toBe(0o444);
    expect(node.kind === 'file' && node.show?.()).toBe('N\n');
    p.applyCmdline('vfio_platform.reset_required=0 vfio_platform.reset_required');
    expect(param.bool).toBe(true);
  });

  it('a bad value is logged and the parameter keeps its value; 4.19 accepts fewer spellings', () => {
    const modern = params('modern');
    modern.p.applyCmdline('vfio_platform.reset_required=maybe vfio_platform.reset_required=');
    expect(modern.log.entries.map((e) => e.text)).toEqual([
      "Booting kernel: `maybe' invalid for parameter `vfio_platform.reset_required'",
      "Booting kernel: `' invalid for parameter `vfio_platform.reset_required'",
    ]);
    expect(modern.param.bool).toBe(true);
    modern.p.applyCmdline('vfio_platform.reset_required=false');
    expect(modern.param.bool).toBe(false);
    const legacy = params('legacy');
    legacy.p.applyCmdline('vfio_platform.reset_required=false');
    expect(legacy.param.bool).toBe(true);
    legacy.p.applyCmdline('vfio_platform.reset_required=off');
    expect(legacy.param.bool).toBe(false);
  });

  it('words split at spaces; quotes keep them; parsing stops at --', () => {
    expect(cmdlineWords(' a="b c"  d=e f ')).toEqual([
      { param: 'a', val: 'b c' },
      { param: 'd', val: 'e' },
      { param: 'f', val: undefined },
    ]);
    const { p, param } = params('modern');
    p.applyCmdline('-- vfio_platform.reset_required=0');
    expect(param.bool).toBe(true);
  });
});

describe('state files of version 1 (before the arch seam)', () => {
  const v1 = JSON.parse(readFileSync(new URL('../fixtures/state-v1.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('load: the LPAR, AP bus, vfio_ap, the running VM and its attachment come back', () => {
    const host = Host.restore(v1, { now });
    const snap = host.snapshot();
    expect(snap.version).toBe(2);
    expect(snap.spec).toMatchObject({ arch: 's390x', cmdline: '' });
    const v1ap = { lpar: v1['lpar'], ap: v1['ap'], vfioAp: v1['vfioAp'] };
    expect(JSON.parse(JSON.stringify(snap.parts['ap']))).toEqual(v1ap);
    const [mdev] = apOf(host).vfioAp.mdevList();
    expect(mdev!.kvm).toBeDefined();
    expect(host.processes.size).toBe(1);
    // and the migrated state saves and loads again unchanged
    const again = Host.restore(JSON.parse(JSON.stringify(snap)), { now });
    expect(JSON.parse(JSON.stringify(again.snapshot()))).toEqual(JSON.parse(JSON.stringify(snap)));
  });

  it('an unknown version is refused', () => {
    expect(() => Host.restore({ ...v1, version: 3 })).toThrow('unsupported twin state version 3');
  });
});
