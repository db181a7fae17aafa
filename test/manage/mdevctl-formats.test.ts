// mdevctl 1.2.0's formats without the peer: serde_json's messages and layout, the uuid
// crate's parse errors, config loading, and list/types output (all observed by running
// Debian's mdevctl 1.2.0; mdevctl-peer.test.ts compares live where mdevctl is installed).

import { describe, expect, it } from 'vitest';
import { formatMdevConfig, loadMdevConfig, MdevctlError } from '../../src/manage/mdev-config.js';
import { parseMdevUuid } from '../../src/manage/mdev-uuid.js';
import { parseSerdeJson, SerdeJsonError, toPretty } from '../../src/manage/serde-json.js';
import { twinHarness, UUID_A } from './manage-helpers.js';

const serdeError = (text: string): string => {
  try {
    parseSerdeJson(text);
    return 'ok';
  } catch (e) {
    if (e instanceof SerdeJsonError) return e.message;
    throw e;
  }
};

describe('serde_json', () => {
  it('reports errors with serde_json texts and positions', () => {
    expect(serdeError('not json')).toBe('expected ident at line 1 column 2');
    expect(serdeError('{"mdev_type":"vfio_ap-passthrough"')).toBe('EOF while parsing an object at line 1 column 34');
    expect(serdeError('{"a":"\\ud800x"}')).toBe('unexpected end of hex escape at line 1 column 13');
    expect(serdeError('{"a":"\\ud800\\u0041"}')).toBe('lone leading surrogate in hex escape at line 1 column 18');
    expect(serdeError('{"a":"\\uzz00"}')).toBe('invalid escape at line 1 column 9');
    expect(serdeError('')).toBe('EOF while parsing a value at line 1 column 0');
    expect(serdeError('[1,]')).toBe('trailing comma at line 1 column 4');
    expect(serdeError('{}x')).toBe('trailing characters at line 1 column 3');
    expect(serdeError('{\n "a": 01}')).toBe('invalid number at line 2 column 8');
  });

  it('pretty-prints as to_string_pretty does', () => {
    expect(toPretty({ a: [], b: {}, c: [{ d: 'x"y' }] })).toBe('{\n  "a": [],\n  "b": {},\n  "c": [\n    {\n      "d": "x\\"y"\n    }\n  ]\n}');
  });
});

describe('uuid crate parsing', () => {
  it('accepts every form and explains failures like uuid 1.x', () => {
    expect(parseMdevUuid('{AAAAAAAA-0000-4000-8000-000000000001}')).toEqual({ ok: true, uuid: 'aaaaaaaa-0000-4000-8000-000000000001' });
    expect(parseMdevUuid('urn:uuid:aaaaaaaa-0000-4000-8000-000000000001').ok).toBe(true);
    expect(parseMdevUuid('aaaaaaaa000040008000000000000001').ok).toBe(true);
    const err = (s: string) => (parseMdevUuid(s) as { error: string }).error;
    expect(err('783e6dbb')).toBe('invalid length: expected length 32 for simple format, found 8');
    expect(err('zzzzzzzz-0000-4000-8000-000000000001')).toBe('invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-zA-Z], found `z` at 1');
    expect(err('aaaaaaaa-0000-4000-8000-00000000000')).toBe('invalid group length in group 4: expected 12, found 11');
    expect(err('aaaaaaaa-00004-000-8000-000000000001')).toBe('invalid group length in group 1: expected 4, found 5');
    expect(err('aaaaaaaa-0000-4000-80000000000000001')).toBe('invalid group count: expected 5, found 4');
  });
});

describe('config files', () => {
  it('load with mdevctl’s strictness and messages', () => {
    const msg = (t: string) => {
      try {
        loadMdevConfig(t);
        return 'ok';
      } catch (e) {
        return (e as MdevctlError).message;
      }
    };
    expect(msg('{"mdev_type":"t"}')).toBe('invalid json');
    expect(msg('{"mdev_type":"t","start":"bogus"}')).toBe('ok');
    expect(msg('{"mdev_type":"t","start":"auto","attrs":{}}')).toBe('attributes field is not an array');
    expect(msg('{"mdev_type":"t","start":"auto","attrs":[{"a":"1","b":"2"}]}')).toBe('invalid JSON format for attribute: too many fields');
    expect(msg('{"mdev_type":"t","start":"auto","attrs":["x"]}')).toBe('invalid JSON format for attribute: not an object');
    expect(loadMdevConfig('{"mdev_type":"t","start":"x","attrs":[{"b":"2"},{"a":"1"}]}')).toEqual({ mdevType: 't', start: 'manual', attrs: [['b', '2'], ['a', '1']] });
  });

  it('are written as mdevctl writes them: pretty, ordered keys, no trailing newline', () => {
    expect(formatMdevConfig({ mdevType: 'vfio_ap-passthrough', start: 'auto', attrs: [['assign_adapter', '5']] })).toBe(
      '{\n  "mdev_type": "vfio_ap-passthrough",\n  "start": "auto",\n  "attrs": [\n    {\n      "assign_adapter": "5"\n    }\n  ]\n}',
    );
  });
});

describe('list and types output on the twin', () => {
  it('prints mdevctl’s bytes', async () => {
    const h = twinHarness();
    expect((await h.cli(['mdev', 'types'])).stdout).toBe('matrix\n  vfio_ap-passthrough\n    Available instances: 65536\n    Device API: vfio-ap\n    Name: VFIO AP Passthrough Device\n\n');
    expect((await h.cli(['mdev', 'list'])).stdout).toBe('\n');
    expect((await h.cli(['mdev', 'list', '--dumpjson'])).stdout).toBe('[]\n');
    await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '-t', 'vfio_ap-passthrough']);
    await h.cli(['mdev', 'modify', '-u', UUID_A, '--addattr=assign_adapter', '--value=5']);
    await h.cli(['mdev', 'modify', '-u', UUID_A, '--addattr=assign_domain', '--value=4', '--index=0']);
    expect((await h.cli(['mdev', 'list', '-dv'])).stdout).toBe(`${UUID_A} matrix vfio_ap-passthrough manual\n  Attrs:\n    @{0}: {"assign_domain":"4"}\n    @{1}: {"assign_adapter":"5"}\n\n`);
    expect((await h.cli(['mdev', 'list', '-d', '-u', UUID_A, '--dumpjson'])).stdout).toBe(
      '{\n  "mdev_type": "vfio_ap-passthrough",\n  "start": "manual",\n  "attrs": [\n    {\n      "assign_domain": "4"\n    },\n    {\n      "assign_adapter": "5"\n    }\n  ]\n}\n',
    );
    const gen = await h.cli(['mdev', 'define', '-p', 'matrix', '-t', 'vfio_ap-passthrough']);
    expect(gen.stdout).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$/);
  });
});
