import { describe, expect, it } from 'vitest';
import {
  ACCEL_OPTS,
  DEVICE_OPTS,
  formatQemuOptsString,
  hasHelpOption,
  MEMORY_OPTS,
  NAME_OPTS,
  optsParseId,
  qemuOptGet,
  qemuOptHasHelpOpt,
  qemuOptsParse,
  QemuOptsError,
  type QemuOpts,
  type QemuOptsList,
  type QemuWarning,
} from '../../../src/vmm/options/index.js';

function parse(list: QemuOptsList, params: string, existing: readonly QemuOpts[] = []): { opts: QemuOpts; warnings: QemuWarning[]; mergedInto?: number } {
  const warnings: QemuWarning[] = [];
  const r = qemuOptsParse(list, params, existing, { warn: (w) => warnings.push(w) });
  if (r.kind !== 'opts') throw new Error('unexpected help');
  return r.mergedInto === undefined ? { opts: r.opts, warnings } : { opts: r.opts, warnings, mergedInto: r.mergedInto };
}

function pairs(opts: QemuOpts): [string, string][] {
  return opts.opts.map((o) => [o.name, o.str]);
}

function errorOf(run: () => unknown): QemuOptsError {
  try {
    run();
  } catch (e) {
    if (e instanceof QemuOptsError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('qemuOptsParse on -device (implied "driver", any key)', () => {
  it('splits the documented vfio-ap line and keeps the id apart', () => {
    const { opts, warnings } = parse(DEVICE_OPTS, 'vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/uuid,id=hostdev0');
    expect(opts.id).toBe('hostdev0');
    expect(pairs(opts)).toEqual([['driver', 'vfio-ap'], ['sysfsdev', '/sys/devices/vfio_ap/matrix/uuid']]);
    expect(warnings).toEqual([]);
  });

  it('reads ",," as one comma in values and in the implied driver', () => {
    expect(pairs(parse(DEVICE_OPTS, 'vfio-ap,sysfsdev=a,,b').opts)).toEqual([['driver', 'vfio-ap'], ['sysfsdev', 'a,b']]);
    expect(pairs(parse(DEVICE_OPTS, 'foo,,bar').opts)).toEqual([['driver', 'foo,bar']]);
  });

  it('turns short-form booleans into on/off with QEMU 7.2 deprecation warnings', () => {
    const { opts, warnings } = parse(DEVICE_OPTS, 'vfio-ap,foo,nobar,delay,nodelay');
    expect(pairs(opts)).toEqual([['driver', 'vfio-ap'], ['foo', 'on'], ['bar', 'off'], ['delay', 'on'], ['delay', 'off']]);
    expect(warnings).toEqual([
      { message: "short-form boolean option 'foo' deprecated", hint: 'Please use foo=on instead\n' },
      { message: "short-form boolean option 'nobar' deprecated", hint: 'Please use bar=off instead\n' },
      { message: "short-form boolean option 'delay' deprecated", hint: 'Please use nodelay=off instead\n' },
      { message: "short-form boolean option 'nodelay' deprecated", hint: 'Please use nodelay=on instead\n' },
    ]);
  });

  it('stores help flags on a list without schema, silently', () => {
    const { opts, warnings } = parse(DEVICE_OPTS, 'vfio-ap,help');
    expect(pairs(opts)).toEqual([['driver', 'vfio-ap'], ['help', 'on']]);
    expect(qemuOptHasHelpOpt(opts)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('keeps duplicate keys in order; lookups return the last', () => {
    const { opts } = parse(DEVICE_OPTS, 'vfio-ap,sysfsdev=/a,sysfsdev=/b,driver=foo');
    expect(opts.opts.filter((o) => o.name === 'sysfsdev')).toHaveLength(2);
    expect(qemuOptGet(opts, 'sysfsdev')).toBe('/b');
    expect(qemuOptGet(opts, 'driver')).toBe('foo');
    expect(qemuOptGet(opts, 'missing')).toBeUndefined();
  });

  it('treats a token without "=" after the first as a flag, and "=x" as the empty key', () => {
    expect(pairs(parse(DEVICE_OPTS, 'id=h0,vfio-ap').opts)).toEqual([['vfio-ap', 'on']]);
    expect(pairs(parse(DEVICE_OPTS, 'vfio-ap,=x').opts)).toEqual([['driver', 'vfio-ap'], ['', 'x']]);
    expect(pairs(parse(DEVICE_OPTS, ',').opts)).toEqual([['driver', '']]);
    expect(pairs(parse(DEVICE_OPTS, 'vfio-ap,').opts)).toEqual([['driver', 'vfio-ap']]);
    expect(pairs(parse(DEVICE_OPTS, '').opts)).toEqual([]);
  });

  it('finds the id the way opts_parse_id does, quirks included', () => {
    expect(optsParseId('foo,,id=bar')).toBe('bar');
    expect(optsParseId('foo,x=,,id=bar')).toBeUndefined();
    expect(optsParseId('vfio-ap,noid')).toBe('off');
    expect(optsParseId('vfio-ap,id=a,id=b')).toBe('a');
    const { opts } = parse(DEVICE_OPTS, 'foo,,id=bar');
    expect(opts.id).toBe('bar');
    expect(pairs(opts)).toEqual([['driver', 'foo,id=bar']]);
  });

  it('refuses malformed and duplicate ids with QEMU texts', () => {
    const bad = errorOf(() => parse(DEVICE_OPTS, 'vfio-ap,id=1x'));
    expect(bad.kind).toBe('invalid-parameter-value');
    expect(bad.qemuMessage).toBe("Parameter 'id' expects an identifier");
    expect(bad.hint).toBe("Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n");
    const first = parse(DEVICE_OPTS, 'vfio-ap,id=a').opts;
    const dup = errorOf(() => parse(DEVICE_OPTS, 'vfio-ap,id=a', [first]));
    expect([dup.kind, dup.qemuMessage]).toEqual(['duplicate-id', "Duplicate ID 'a' for device"]);
    expect(errorOf(() => parse(ACCEL_OPTS, 'tcg,id=a', [parse(ACCEL_OPTS, 'tcg,id=a').opts])).qemuMessage)
      .toBe("Duplicate ID 'a' for accel");
  });

  it('checks the id before any key, so no warning precedes an id error', () => {
    const warnings: QemuWarning[] = [];
    expect(() => qemuOptsParse(DEVICE_OPTS, 'vfio-ap,foo,id=1x', [], { warn: (w) => warnings.push(w) })).toThrow(QemuOptsError);
    expect(warnings).toEqual([]);
  });

  it('without permitAbbrev the first token is a flag too', () => {
    const r = qemuOptsParse(DEVICE_OPTS, 'vfio-ap,sysfsdev=/x', [], { permitAbbrev: false });
    expect(r.kind === 'opts' && pairs(r.opts)).toEqual([['vfio-ap', 'on'], ['sysfsdev', '/x']]);
  });
});

describe('qemuOptsParse on lists with a schema (-name, -m)', () => {
  it('types values and merges every option into one entry', () => {
    const a = parse(NAME_OPTS, 'guest1');
    expect(a.mergedInto).toBeUndefined();
    const b = parse(NAME_OPTS, 'guest2,debug-threads=yes', [a.opts]);
    expect(b.mergedInto).toBe(0);
    expect(qemuOptGet(b.opts, 'guest')).toBe('guest2');
    expect(b.opts.opts.at(-1)).toEqual({ name: 'debug-threads', str: 'yes', value: true });
    const m = parse(MEMORY_OPTS, '1G,slots=0x10,maxmem=4G').opts;
    expect(m.opts.map((o) => o.value)).toEqual([1n << 30n, 16n, 4n << 30n]);
  });

  it('refuses unknown keys and any id on a merged list', () => {
    expect(errorOf(() => parse(NAME_OPTS, 'g,foo=1')).qemuMessage).toBe("Invalid parameter 'foo'");
    expect(errorOf(() => parse(NAME_OPTS, 'g,id=x')).qemuMessage).toBe("Invalid parameter 'id'");
    expect(errorOf(() => parse(MEMORY_OPTS, '1G,noid')).qemuMessage).toBe("Invalid parameter 'id'");
  });

  it('asks for help on a help flag, after checking the keys before it', () => {
    expect(qemuOptsParse(MEMORY_OPTS, '1G,help').kind).toBe('help');
    expect(qemuOptsParse(NAME_OPTS, 'g,?,foo=1').kind).toBe('help');
    expect(() => qemuOptsParse(MEMORY_OPTS, '1G,slots=x,help')).toThrow("Parameter 'slots' expects a number");
    // the implied first value is never a help request
    expect(qemuOptsParse(NAME_OPTS, 'help').kind).toBe('opts');
  });

  it('reports typed value errors with QEMU texts', () => {
    expect(errorOf(() => parse(NAME_OPTS, 'g,debug-threads=ON')).qemuMessage).toBe("Parameter 'debug-threads' expects 'on' or 'off'");
    expect(errorOf(() => parse(MEMORY_OPTS, '1G,slots=99999999999999999999')).qemuMessage)
      .toBe("Value '99999999999999999999' is too large for parameter 'slots'");
    expect(errorOf(() => parse(MEMORY_OPTS, '16E')).qemuMessage).toBe("Value '16E' is out of range for parameter 'size'");
  });
});

describe('hasHelpOption', () => {
  it('looks for a help flag without the implied first key', () => {
    expect(hasHelpOption('tcg,help')).toBe(true);
    expect(hasHelpOption('help')).toBe(true);
    expect(hasHelpOption('tcg,?')).toBe(true);
    expect(hasHelpOption('tcg,help=on')).toBe(false);
    expect(hasHelpOption('tcg,nohelp')).toBe(false);
  });
});

describe('formatQemuOptsString', () => {
  it('escapes commas and reads back', () => {
    const text = formatQemuOptsString('vfio-ap', [['sysfsdev', '/sys/a,b'], ['x', '']]);
    expect(text).toBe('vfio-ap,sysfsdev=/sys/a,,b,x=');
    expect(pairs(parse(DEVICE_OPTS, text).opts)).toEqual([['driver', 'vfio-ap'], ['sysfsdev', '/sys/a,b'], ['x', '']]);
  });

  it('keeps an empty implied value expressible', () => {
    expect(formatQemuOptsString('', [])).toBe(',');
    expect(pairs(parse(DEVICE_OPTS, ',').opts)).toEqual([['driver', '']]);
  });

  it('refuses what QEMU cannot express', () => {
    expect(() => formatQemuOptsString('a=b', [])).toThrow(RangeError);
    expect(() => formatQemuOptsString('x', [['a,b', '1']])).toThrow(RangeError);
    expect(() => formatQemuOptsString('x', [['a=b', '1']])).toThrow(RangeError);
    expect(formatQemuOptsString('a,b=c', [])).toBe('a,,b=c');
  });
});
