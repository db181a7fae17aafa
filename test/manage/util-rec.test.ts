import { describe, expect, it } from 'vitest';
import { recHeader, recRow, type RecColumn } from '../../src/manage/util-rec.js';

const cols: RecColumn[] = [
  { key: 'a', header: 'AA', width: 4, align: 'left' },
  { key: 'b', header: 'B', width: 3, align: 'right' },
  { key: 'c', header: 'CCC', width: 5, align: 'left' },
];

describe('util_rec wide format', () => {
  it('pads every header, the last one too, and rules the full width', () => {
    expect(recHeader(cols)).toBe('AA     B CCC  \n--------------\n');
  });

  it('pads values like printf %-*s / %*s and never truncates', () => {
    expect(recRow(cols, { a: 'x', b: '7', c: 'longer-than-5' })).toBe('x      7 longer-than-5\n');
  });
});
