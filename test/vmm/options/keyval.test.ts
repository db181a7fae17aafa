import { describe, expect, it } from 'vitest';
import { keyvalGetString, keyvalParse, keyvalParseInto, parseQapiName, QemuOptsError, type KeyvalDict } from '../../../src/vmm/options/index.js';

function toPlain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

function machine(...options: string[]): KeyvalDict {
  let dict: KeyvalDict = new Map();
  for (const o of options) dict = keyvalParseInto(dict, o, 'type').dict;
  return dict;
}

describe('keyval (-machine)', () => {
  it('reads the implied type and plain keys', () => {
    expect(toPlain(machine('s390-ccw-virtio,usb=on,dump-guest-core=off'))).toEqual({ type: 's390-ccw-virtio', usb: 'on', 'dump-guest-core': 'off' });
    expect(toPlain(machine('type=none'))).toEqual({ type: 'none' });
  });

  it('builds nested dicts and lists from dotted keys', () => {
    expect(toPlain(machine('x,smp.cpus=2,smp.maxcpus=4,l.1=b,l.0=a'))).toEqual({
      type: 'x', smp: { cpus: '2', maxcpus: '4' }, l: ['a', 'b'],
    });
  });

  it('unescapes ",," in values but not in the implied value', () => {
    expect(keyvalGetString(machine('x,kernel=a,,b'), 'kernel')).toBe('a,b');
    expect(() => machine('a,,b')).toThrow("Invalid parameter ''");
  });

  it('lets the last value win and merges options', () => {
    const dict = machine('s390-ccw-virtio,usb=on', 'usb=off,graphics=on', 'none');
    expect(toPlain(dict)).toEqual({ type: 'none', usb: 'off', graphics: 'on' });
  });

  it('never changes the dict it merges into', () => {
    const first = machine('x,a.b=1');
    const before = JSON.stringify(toPlain(first));
    keyvalParseInto(first, 'a.c=2', undefined);
    expect(JSON.stringify(toPlain(first))).toBe(before);
  });

  it('reports help without losing the keys parsed with it', () => {
    const r = keyvalParseInto(new Map(), 's390-ccw-virtio,usb=on,help', 'type');
    expect(r.help).toBe(true);
    expect(toPlain(r.dict)).toEqual({ type: 's390-ccw-virtio', usb: 'on' });
    expect(keyvalParseInto(new Map(), '?', 'type').help).toBe(true);
    expect(keyvalParseInto(new Map(), 'helpx', 'type').help).toBe(false);
    expect(() => keyvalParse('a=1,help')).toThrow('Help is not available for this option');
  });

  it('uses keyval.c messages', () => {
    const cases: [string, string][] = [
      ['x,usb', "Expected '=' after parameter 'usb'"],
      ['x,a.b', "Expected '=' after parameter 'a.b'"],
      ['x,a.=1', "Invalid parameter 'a.'"],
      ['x,a b=1', "Invalid parameter 'a b'"],
      ['x,usb.x=1,usb=on', "Parameters 'usb.*' used inconsistently"],
      ['x,usb=on,usb.x=1', "Parameters 'usb.*' used inconsistently"],
      ['x,a.b=1,a.0=2', "Parameters 'a.*' used inconsistently"],
      ['x,a.5=1,a.0=2', "Parameter 'a.1' missing"],
      [`x,${'k'.repeat(128)}=1`, `Parameter '${'k'.repeat(128)}' is too long`],
    ];
    for (const [params, message] of cases) {
      let error: unknown;
      try {
        machine(params);
      } catch (e) {
        error = e;
      }
      expect(error, params).toBeInstanceOf(QemuOptsError);
      expect((error as QemuOptsError).qemuMessage, params).toBe(message);
    }
  });

  it('accepts downstream names and refuses bad ones like parse_qapi_name', () => {
    expect(parseQapiName('__com.redhat_x=1', 0)).toBe(14);
    expect(parseQapiName('_x', 0)).toBe(-1);
    expect(parseQapiName('9a', 0)).toBe(-1);
    expect(parseQapiName('a_b-c.d', 0)).toBe(5);
  });
});
