// Property-based checks: escaping round-trips, and every parser either returns or
// throws its own QemuOptsError, whatever the input.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCEL_OPTS,
  DEVICE_OPTS,
  formatKeyvalString,
  formatQemuOptsString,
  idWellformed,
  isKeyvalKey,
  keyvalParseInto,
  MEMORY_OPTS,
  NAME_OPTS,
  parseCommandLine,
  parseCpuOption,
  qemuOptsParse,
  QemuOptsError,
  qemuStrtosz,
  type KeyvalDict,
  type KeyvalValue,
} from '../../../src/vmm/options/index.js';

/** Characters that matter to the parsers, mixed with anything else. */
const tricky = fc.string({ unit: fc.oneof(fc.constantFrom(',', '=', '.', '?', '-', '_', ' ', 'n', 'o', 'i', 'd', 'h', 'x', '0', '1'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) });

function onlyQemuErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(QemuOptsError);
  }
}

describe('QemuOpts escaping', () => {
  const key = tricky.filter((k) => !k.includes(',') && !k.includes('=') && k !== 'id');
  const implied = tricky.filter((v) => {
    const eq = v.indexOf('=');
    const comma = v.indexOf(',');
    return eq < 0 || (comma >= 0 && comma < eq);
  });

  it('formatting with ",," and parsing again gives back every value', () => {
    fc.assert(fc.property(implied, fc.array(fc.tuple(key, tricky), { maxLength: 5 }), (driver, pairs) => {
      const text = formatQemuOptsString(driver, pairs);
      const r = qemuOptsParse(DEVICE_OPTS, text, [], { warn: () => undefined });
      expect(r.kind).toBe('opts');
      if (r.kind !== 'opts') return;
      expect(r.opts.opts.map((o) => [o.name, o.str])).toEqual([['driver', driver], ...pairs]);
    }));
  });
});

describe('keyval escaping', () => {
  const name = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,12}$/).filter((k) => k !== 'type');
  const type = fc.stringMatching(/^[a-zA-Z0-9.-]{1,20}$/).filter((t) => t !== 'help' && t !== '?');

  it('formatting and parsing again gives back the dict', () => {
    fc.assert(fc.property(type, fc.uniqueArray(fc.tuple(name, tricky), { selector: ([k]) => k, maxLength: 5 }), (t, pairs) => {
      const text = formatKeyvalString(t, pairs);
      const r = keyvalParseInto(new Map(), text, 'type');
      expect(r.help).toBe(false);
      const expected: KeyvalDict = new Map([['type', t], ...pairs]);
      expect(r.dict).toEqual(expected);
    }));
  });

  it('accepts only keys keyval can parse', () => {
    fc.assert(fc.property(tricky, (k) => {
      if (!isKeyvalKey(k)) return;
      const r = keyvalParseInto(new Map(), `${k}=v`, undefined);
      expect(r.dict.size).toBe(1);
    }));
  });
});

describe('parsers never throw anything but QemuOptsError', () => {
  it('QemuOpts on every modelled list', () => {
    fc.assert(fc.property(tricky, (s) => {
      for (const list of [DEVICE_OPTS, ACCEL_OPTS, NAME_OPTS, MEMORY_OPTS]) onlyQemuErrors(() => qemuOptsParse(list, s));
    }), { numRuns: 500 });
  });

  it('keyval, -cpu and sizes', () => {
    fc.assert(fc.property(tricky, (s) => {
      onlyQemuErrors(() => keyvalParseInto(new Map(), s, 'type'));
      onlyQemuErrors(() => keyvalParseInto(new Map<string, KeyvalValue>([['x', ['a']], ['y', new Map()]]), s, undefined));
      onlyQemuErrors(() => parseCpuOption(s, (m) => (m === 'qemu' ? 'qemu-s390x-cpu' : undefined)));
      const size = qemuStrtosz(s);
      if (size.ok) expect(size.value >= 0n && size.value < 1n << 64n).toBe(true);
    }), { numRuns: 500 });
  });

  it('the command line parser never throws, and exits carry diagnostics unless they print help', () => {
    const word = fc.oneof(
      fc.constantFrom('-device', '--device', '-M', '-machine', '-cpu', '-accel', '-enable-kvm', '-m', '-name', '-S', '-nodefaults',
        '-nographic', '-no-acpi', '-smp', '-version', '-foo', '-', '--', 'help', 'vfio-ap,help', 'tcg,id=1x'),
      tricky,
    );
    fc.assert(fc.property(fc.array(word, { maxLength: 8 }), (argv) => {
      const outcome = parseCommandLine(argv);
      if (outcome.kind === 'exit' && outcome.exitCode === 1 && outcome.help === undefined) {
        expect(outcome.diagnostics.some((d) => d.severity === 'error')).toBe(true);
      }
    }), { numRuns: 1000 });
  });
});

describe('values', () => {
  it('sizes scale by their suffix or overflow with ERANGE', () => {
    const suffixes: [string, bigint][] = [['', 1n], ['b', 1n], ['K', 1024n], ['M', 1024n ** 2n], ['G', 1024n ** 3n], ['T', 1024n ** 4n], ['P', 1024n ** 5n], ['E', 1024n ** 6n]];
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(...suffixes), (n, [suffix, mul]) => {
      const r = qemuStrtosz(`${n}${suffix}`);
      if (n * mul < 1n << 64n) expect(r).toEqual({ ok: true, value: n * mul, hexSuffixWarning: false });
      else expect(r).toMatchObject({ ok: false, errno: 'ERANGE' });
    }));
  });

  it('ids are ASCII identifiers', () => {
    fc.assert(fc.property(tricky, (id) => {
      expect(idWellformed(id)).toBe(/^[A-Za-z][A-Za-z0-9._-]*$/.test(id));
    }));
  });
});
