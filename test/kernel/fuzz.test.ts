// Random bytes at every writable attribute of a doc host with one mdev: nothing but a
// KernelError may escape, only the errnos documented for that file occur, a failed write
// changes nothing, and the invariants hold after a successful one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filesWithoutRule, fuzzWrites, writableFiles, type WriteRules } from './fuzz-driver.js';
import { checkInvariants } from './ops.js';
import { boot, type Shell, UUID1 } from './sh.js';

/** What each writable file may answer (spec vfio-ap §3.8 and the AP bus/driver core rules). */
const RULES: WriteRules = [
  [/\/(assign_adapter|assign_domain)$/, ['EINVAL', 'ERANGE', 'ENODEV', 'EADDRNOTAVAIL', 'EADDRINUSE']],
  [/\/(unassign_adapter|unassign_domain|assign_control_domain|unassign_control_domain)$/, ['EINVAL', 'ERANGE', 'ENODEV']],
  [/\/ap_config$/, ['EINVAL', 'ENODEV', 'EADDRNOTAVAIL', 'EADDRINUSE']],
  [/\/remove$/, ['EINVAL']],
  [/\/create$/, ['EINVAL', 'EEXIST']],
  [/^\/sys\/bus\/ap\/(apmask|aqmask)$/, ['EINVAL', 'EBUSY']],
  [/^\/sys\/bus\/ap\/(ap_domain|config_time|poll_thread)$/, ['EINVAL']],
  [/^\/sys\/bus\/ap\/poll_timeout$/, ['EINVAL', 'ERANGE']],
  [/\/(scans|drivers_autoprobe|request_count|reset)$/, []],
  [/\/drivers_probe$/, ['ENODEV']],
  [/\/uevent$/, ['EINVAL']],
  [/\/drivers\/[^/]+\/bind$/, ['ENODEV', 'EBUSY']],
  [/\/drivers\/[^/]+\/unbind$/, ['ENODEV']],
  [/\/card[0-9a-f]{2}\/config$/, ['EINVAL']],
  [/\/online$/, ['EINVAL', 'ENODEV']],
];

function setup(): Shell {
  const sh = boot();
  sh.reserveDocQueues();
  const dir = sh.mdev(UUID1);
  for (const [f, v] of [
    ['assign_adapter', '5'],
    ['assign_domain', '4'],
    ['assign_control_domain', '4'],
  ])
    sh.echo(v!, `${dir}/${f}`);
  // a second mdev holding 06.0047 so that sharing conflicts can happen
  const other = sh.mdev('0e3c5a4f-8c1d-4b7e-9a2f-5d6e7f809102');
  sh.echo('6', `${other}/assign_adapter`);
  sh.echo('0x47', `${other}/assign_domain`);
  return sh;
}

const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const junk = fc.constantFrom('', '\n', '\0', ' ', '\t', '\n\n', 'x', ',', '-', '+', '\r\n', '\x7f', '\xff');
const number = fc.oneof(
  fc.bigInt({ min: 0n, max: 1n << 70n }).map(String),
  fc.bigInt({ min: 0n, max: 1n << 70n }).map((n) => `0x${n.toString(16)}`),
  fc.integer({ min: 0, max: 300 }).map((n) => `0${n.toString(8)}`),
  fc.integer({ min: -300, max: 300 }).map(String),
);
const token = fc.oneof(
  number,
  fc.uuid(),
  fc.constantFrom('05.0004', '06.0047', 'card05', '0x', `0x${'f'.repeat(64)}`, '+5,-6', 'add', 'change', 'on', 'off', '1', '0'),
  fc.stringMatching(/^(0x)?[0-9a-f]{0,66}$/),
  fc.array(fc.stringMatching(/^[+-]([0-9]{1,3}|0x[0-9a-f]{1,3})(-[0-9]{1,3})?$/), { minLength: 1, maxLength: 4 }).map((t) => t.join(',')),
  fc.tuple(fc.stringMatching(/^0x[0-9a-f]{0,65}$/), fc.stringMatching(/^0x[0-9a-f]{0,65}$/), fc.stringMatching(/^0x[0-9a-f]{0,65}$/)).map((m) => m.join(',')),
);
const input: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 80 }) },
  { weight: 4, arbitrary: fc.tuple(junk, token, junk, fc.option(token, { nil: '' }), junk).map((p) => latin1(p.join(''))) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))) },
  { weight: 1, arbitrary: fc.integer({ min: 4000, max: 5000 }).map((n) => latin1(`1${'0'.repeat(n)}`)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 4090, maxLength: 4200 }) },
);

describe('fuzz: random bytes at every writable attribute', () => {
  const files = writableFiles(setup());

  it('finds the writable files of every subsystem', () => {
    expect(files.length).toBeGreaterThan(60);
    for (const f of ['/sys/bus/ap/apmask', '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', `/sys/devices/vfio_ap/matrix/${UUID1}/ap_config`])
      expect(files).toContain(f);
    expect(filesWithoutRule(files, RULES)).toEqual([]);
  });

  it.each(files)('%s', (path) => fuzzWrites(path, { setup, rules: RULES, input, numRuns: 40, after: (sh) => checkInvariants(sh.host) }));
});
