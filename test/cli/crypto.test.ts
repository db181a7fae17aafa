// The CLI contract of `host crypto`, `guest ID crypto` and `guest ID ap tapq`: one line of
// lower-case hex zero-padded to the modulus width; refused calls as `vfioctl: host crypto:
// ERRNO (text)` exit 1; malformed arguments as usage errors (exit 2) naming the option.

import { describe, expect, it } from 'vitest';
import { messageFor, nodePrivate, rsaKey } from '../kernel/zcrypt/rsa-keys.js';
import { TYPE_DIR, UUID_A, mdevPath, twinCli } from './helpers.js';

const k = rsaKey(1024);
const h = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const m = messageFor(k, 7);
const crtArgs = (input = h(m)) => ['--p', h(k.p), '--q', h(k.q), '--dp', h(k.dp), '--dq', h(k.dq), '--qinv', h(k.qi), '--input', input];
const meArgs = (over: Record<string, string> = {}) => {
  const o = { modulus: h(k.n), exponent: h(k.d), input: h(m), ...over };
  return Object.entries(o).flatMap(([name, v]) => [`--${name}`, v]);
};

describe('vfioctl host crypto', () => {
  it('prints the result as one line of lower-case hex, zero-padded to the modulus width', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect(await cli('host', 'crypto', 'rsa-crt', ...crtArgs())).toEqual(expect.objectContaining({ code: 0, stdout: `${h(nodePrivate(k, m))}\n`, stderr: '' }));
    expect((await cli('host', 'crypto', 'rsa-me', ...meArgs())).stdout).toBe(`${h(nodePrivate(k, m))}\n`);
    // input 1 to any power is 1: 255 zero digits and a 1
    expect((await cli('host', 'crypto', 'rsa-me', ...meArgs({ input: '01' }))).stdout).toBe(`${'0'.repeat(255)}1\n`);
    // shorter values are left-padded to their fields; upper-case hex is read as well
    expect((await cli('host', 'crypto', 'rsa-me', ...meArgs({ exponent: '010001', input: h(m).toUpperCase() }))).code).toBe(0);
    const list = (await cli('ap', 'list')).stdout;
    expect(list).toContain('06       CEX5A Accelerator online            4\n');
  });

  it('a refused call: vfioctl: host crypto: ENODEV (No such device), exit 1, when every queue went to vfio_ap', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    await cli('sys', 'write', '/sys/bus/ap/apmask', '0x');
    expect(await cli('host', 'crypto', 'rsa-crt', ...crtArgs())).toEqual(expect.objectContaining({ code: 1, stdout: '', stderr: 'vfioctl: host crypto: ENODEV (No such device)\n' }));
  });

  it('malformed arguments are usage errors (exit 2) that name the option', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    const cases: [string[], string][] = [
      [['rsa-me', ...meArgs({ input: 'abc' })], 'vfioctl: host crypto rsa-me: --input: odd number of hex digits (3)\n'],
      [['rsa-me', ...meArgs({ modulus: '' })], 'vfioctl: host crypto rsa-me: --modulus: empty value\n'],
      [['rsa-me', ...meArgs({ input: h(k.n) })], 'vfioctl: host crypto rsa-me: --input: not below the modulus\n'],
      [['rsa-me', ...meArgs({ exponent: `01${h(k.n)}` })], 'vfioctl: host crypto rsa-me: --exponent: longer than the modulus (128 bytes)\n'],
      [['rsa-me', ...meArgs({ exponent: 'xyz1' })], "vfioctl: host crypto rsa-me: --exponent: not a hexadecimal number: 'xyz1'\n"],
      [['rsa-me', '--modulus', h(k.n), '--input', '01'], "vfioctl: host crypto rsa-me: required option '--exponent <hex>' not specified\n"],
      [['rsa-crt', ...crtArgs(h(k.n))], 'vfioctl: host crypto rsa-crt: --input: not below the modulus (p * q)\n'],
      // an unbalanced key: q does not fit the half-width field its product with p leaves it
      [['rsa-crt', '--p', '03', '--q', 'ff'.repeat(65), '--dp', '01', '--dq', '01', '--qinv', '01', '--input', '01'], 'vfioctl: host crypto rsa-crt: --q: longer than 33 bytes (half the modulus width)\n'],
      [['rsa-crt', '--p', 'ff'.repeat(65), '--q', '03', '--dp', '01', '--dq', '01', '--qinv', '01', '--input', '01'], 'vfioctl: host crypto rsa-crt: --p: longer than 41 bytes (half the modulus width plus 8)\n'],
      [['rsa-crt', ...crtArgs().map((a, i, all) => (all[i - 1] === '--p' ? '00' : a))], 'vfioctl: host crypto rsa-crt: --p: zero\n'],
      [['rsa-sign', ...meArgs()], "vfioctl: host crypto: unknown operation 'rsa-sign' (expected rsa-me or rsa-crt)\n"],
    ];
    const hint = "(run 'vfioctl host crypto --help' for usage)\n";
    for (const [args, stderr] of cases) expect(await cli('host', 'crypto', ...args)).toEqual(expect.objectContaining({ code: 2, stdout: '', stderr: stderr + hint }));
  });
});

describe('vfioctl guest ID crypto and ap tapq', () => {
  async function guestTwin() {
    const t = twinCli();
    await t.cli('host', 'init');
    await t.cli('sys', 'write', '/sys/bus/ap/apmask', '-5');
    await t.cli('sys', 'write', '/sys/bus/ap/aqmask', '-4');
    await t.cli('sys', 'write', `${TYPE_DIR}/create`, UUID_A);
    await t.cli('sys', 'write', `${mdevPath(UUID_A)}/assign_adapter`, '5');
    await t.cli('sys', 'write', `${mdevPath(UUID_A)}/assign_domain`, '4');
    const q = await t.cli('qemu', '-cpu', 'host,ap=on,apqci=on,apft=on,apqi=on', '-name', 'g1', '-device', `vfio-ap,sysfsdev=${mdevPath(UUID_A)}`);
    expect(q.code).toBe(0);
    return t;
  }

  it('the guest computes on its passthrough queue; its lszcrypt counts it, the host`s does not', async () => {
    const { cli } = await guestTwin();
    expect(await cli('guest', 'g1', 'crypto', 'rsa-crt', ...crtArgs())).toEqual(expect.objectContaining({ code: 0, stdout: `${h(nodePrivate(k, m))}\n`, stderr: '' }));
    expect((await cli('guest', 'g1', 'lszcrypt')).stdout).toContain('05.0004  CEX5C CCA-Coproc  online            1\n');
    expect((await cli('ap', 'list')).stdout).toContain('05       CEX5C CCA-Coproc  online            0\n');
    expect((await cli('sys', 'read', '/sys/devices/ap/card05/05.0004/request_count')).stdout).toBe('-\n');
    expect((await cli('trace', '--vm', 'g1')).stdout).toContain('guest_zcrypt             rsa-crt on 05.0004');
  });

  it('ap tapq prints the APQN, the response code with its PoP name and the status bits', async () => {
    const { cli } = await guestTwin();
    expect((await cli('guest', 'g1', 'ap', 'tapq', '05.0004')).stdout).toBe('05.0004 rc=00 (normal) queue-empty=1 replies-pending=0 irq=0\n');
    expect((await cli('guest', 'g1', 'ap', 'tapq', '05.0047')).stdout).toBe('05.0047 rc=01 (APQN not available) queue-empty=0 replies-pending=0 irq=0\n');
    await cli('sys', 'write', '/sys/devices/ap/card05/config', '0');
    expect((await cli('guest', 'g1', 'ap', 'tapq', '05.0004')).stdout).toBe('05.0004 rc=03 (deconfigured) queue-empty=0 replies-pending=0 irq=0\n');
    expect(await cli('guest', 'g1', 'ap', 'tapq', '5.4')).toEqual(
      expect.objectContaining({ code: 2, stderr: "vfioctl: guest ap tapq: invalid APQN '5.4' (expected XX.YYYY, e.g. 05.0004)\n(run 'vfioctl guest --help' for usage)\n" }),
    );
    expect(await cli('guest', 'g1', 'crypto', 'rsa-me', '--modulus', 'abc')).toEqual(
      expect.objectContaining({ code: 2, stderr: "vfioctl: guest crypto rsa-me: required option '--exponent <hex>' not specified\n(run 'vfioctl guest --help' for usage)\n" }),
    );
    expect(await cli('guest', 'g1', 'crypto', 'rsa-crt', ...crtArgs())).toEqual(expect.objectContaining({ code: 1, stderr: 'vfioctl: guest crypto: ENODEV (No such device)\n' }));
  });
});
