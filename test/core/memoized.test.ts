// memoized: one build per key, the key the first argument unless told otherwise.

import { describe, expect, it } from 'vitest';
import { memoized } from '../../src/core/memoized.js';

describe('memoized', () => {
  it('builds once per first argument and hands back the same value', () => {
    let builds = 0;
    const table = memoized((name: string) => ({ name, n: ++builds }));
    const a = table('a');
    expect(table('a')).toBe(a);
    expect(table('b')).toEqual({ name: 'b', n: 2 });
    expect(builds).toBe(2);
  });

  it('keys by what keyOf makes of every argument', () => {
    let builds = 0;
    const table = memoized(
      (binary: string, profile: string) => `${binary}:${profile}:${++builds}`,
      (binary, profile) => `${binary}/${profile}`,
    );
    expect(table('arm', 'modern')).toBe('arm:modern:1');
    expect(table('arm', 'legacy')).toBe('arm:legacy:2');
    expect(table('arm', 'modern')).toBe('arm:modern:1');
  });
});
