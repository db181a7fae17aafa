// Config loading takes the native JSON parser for well-formed files and serde_json's
// model for everything else: both paths must give the same config or the same message
// (fuzzed over JSON-like text, with the corner cases where JSON.parse and serde_json part).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadMdevConfig, serdeConfig } from '../../src/manage/mdev-config.js';
import { readConfigData } from '../../src/manage/mdev-store.js';
import { RootBackend } from '../../src/manage/root-backend.js';
import { TwinFiles } from '../../src/manage/twin-files.js';
import { tempDir } from './manage-helpers.js';

function outcome(load: () => unknown): unknown {
  try {
    return { ok: load() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const same = (text: string): void => {
  const bytes = Buffer.from(text, 'utf8');
  expect(outcome(() => loadMdevConfig(bytes)), text).toEqual(outcome(() => serdeConfig(bytes)));
};

describe('config loading: the fast path agrees with serde_json', () => {
  it('corner cases where JSON.parse and serde_json differ', () => {
    for (const text of [
      '{"mdev_type":"t","start":"auto","attrs":[{"a":"1"}]}',
      '{"mdev_type":"t","start":"auto","attrs":[{"a":"1"}],"x":1e400}',
      '{"mdev_type":"t","start":"auto","x":-1e309}',
      `{"mdev_type":"t","start":"auto","x":1${'0'.repeat(400)}}`,
      '{"mdev_type":"\\ud800","start":"auto"}',
      '{"mdev_type":"t","start":"auto","\\udc00":1}',
      '{"mdev_type":"\\ud83d\\ude00","start":"auto"}',
      `{"mdev_type":"t","start":"auto","x":${'['.repeat(130)}${']'.repeat(130)}}`,
      `{"mdev_type":"t","start":"auto","x":${'['.repeat(99)}${']'.repeat(99)}}`,
      '{"mdev_type":"t","start":"auto","attrs":[{"a":"1","a":"2"}]}',
      '{"mdev_type":"t","mdev_type":"u","start":"auto"}',
      // JSON.parse keeps the last of duplicate keys; serde_json parses the first as well
      '{"mdev_type":"","start":[],"x":1e400,"x":{}}',
      '{"mdev_type":"t","start":"auto","x":"\\ud800","x":1}',
      '{"mdev_type":"t","start":"auto","attrs":[{"a":"b:c"}]}',
      '{"__proto__":"x","mdev_type":"t","start":"auto","attrs":[{"__proto__":"v"}]}',
      '{"mdev_type":"t","start":5,"attrs":null}',
      '{"mdev_type":"t","start":"auto","attrs":[{"2":"b","1":"a"}]}',
      '\ufeff{"mdev_type":"t","start":"auto"}',
    ])
      same(text);
  });

  it('fuzz: any JSON-like text loads the same either way', () => {
    const key = fc.constantFrom('mdev_type', 'start', 'attrs', 'x', '__proto__', '1', '\\ud800', '\\u00e9');
    const scalar = fc.oneof(fc.string(), fc.constantFrom('auto', 'manual', 't', '\\ud800', '\\udc00x'), fc.double(), fc.constantFrom('1e400', '-0', '01', '1.'), fc.boolean(), fc.constant(null));
    const attr = fc.dictionary(key, scalar, { maxKeys: 3 });
    const value = fc.oneof(scalar, fc.array(attr, { maxLength: 3 }), attr);
    const render = (v: unknown): string =>
      typeof v === 'string' && /^(1e400|-0|01|1\.)$/.test(v) ? v : typeof v === 'string' ? `"${v.replace(/"/g, '')}"` : JSON.stringify(v) ?? 'null';
    const objectText = fc.array(fc.tuple(key, value), { maxLength: 5 }).map(
      (entries) => `{${entries.map(([k, v]) => `"${k}":${Array.isArray(v) || (v && typeof v === 'object') ? JSON.stringify(v) : render(v)}`).join(',')}}`,
    );
    const text = fc.oneof(objectText, objectText.map((t) => t.slice(0, -1)), objectText.map((t) => `${t} x`), fc.json());
    fc.assert(fc.property(text, (t) => same(t)), { numRuns: 2000 });
  });
});

describe('config loading: a config read as text loads as its bytes do', () => {
  const DIR = '/etc/mdevctl.d/matrix';
  /** A real root and the twin's files; `same` writes bytes to both and checks one text read (or the bytes, when the decode replaced something) against them. */
  function backends() {
    const root = tempDir('vfioctl-text-');
    mkdirSync(join(root, DIR), { recursive: true });
    // a fresh backend per read: the files are written behind its back
    const rootFiles = { readText: (p: string) => new RootBackend(root).files.readText(p), read: (p: string) => new RootBackend(root).files.read(p) };
    const twinFiles = new TwinFiles();
    let n = 0;
    const same = (bytes: Uint8Array): string => {
      const path = `${DIR}/c${n++}`;
      writeFileSync(join(root, path), bytes);
      twinFiles.writeAtomic(path, bytes);
      const expected = outcome(() => loadMdevConfig(bytes));
      for (const files of [rootFiles, twinFiles]) expect(outcome(() => loadMdevConfig(readConfigData(files, path)!)), Buffer.from(bytes).toString('hex')).toEqual(expected);
      return path;
    };
    return { rootFiles, same };
  }
  const config = (value: Uint8Array): Uint8Array => Buffer.concat([Buffer.from('{"mdev_type":"'), value, Buffer.from('","start":"auto"}')]);

  it('not UTF-8 (refused as mdevctl does), a U+FFFD written in the file (kept), a BOM, an empty file', () => {
    const { rootFiles, same } = backends();
    for (const value of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xc3, 0xa9]]) same(config(Uint8Array.from(value)));
    const replacement = same(config(Uint8Array.from([0xef, 0xbf, 0xbd])));
    expect(loadMdevConfig(readConfigData(rootFiles, replacement)!).mdevType).toBe('\ufffd');
    expect(() => loadMdevConfig(readConfigData(rootFiles, same(config(Uint8Array.from([0xff]))))!)).toThrow(/UTF-8/);
    same(Buffer.from('\ufeff{"mdev_type":"t","start":"auto"}'));
    same(new Uint8Array());
    expect(readConfigData(rootFiles, `${DIR}/missing`)).toBeUndefined();
  });

  it('fuzz: any bytes in a value', () => {
    const { same } = backends();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), (value) => void same(config(value))), { numRuns: 300 });
  });
});
