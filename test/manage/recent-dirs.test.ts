// The root walk's few remembered directories: found by their exact text or by a prefix of a
// path, the least recently used one replaced when a fifth comes.

import { describe, expect, it } from 'vitest';
import { RecentDirs } from '../../src/manage/recent-dirs.js';
import { Entry } from '../../src/manage/root-walk.js';

const dir = (name: string): Entry => new Entry(name, undefined, `/host/${name}`, 'dir');

describe('RecentDirs', () => {
  it('finds a directory by its exact text, or by the part of a path before its last name', () => {
    const r = new RecentDirs();
    r.remember('/sys/bus/mdev/devices', dir('devices'), 0);
    expect(r.find('/sys/bus/mdev/devices')?.dir.name).toBe('devices');
    expect(r.find('/sys/bus/mdev/device')).toBeUndefined();
    const path = '/sys/bus/mdev/devices/u1';
    expect(r.findPrefix(path, path.lastIndexOf('/'))?.dir.name).toBe('devices');
    // a prefix that is not a whole directory name is no match
    expect(r.findPrefix('/sys/bus/mdev/devicesX/u1', '/sys/bus/mdev/devicesX'.length)).toBeUndefined();
  });

  it('keeps the links followed to reach a directory, and refuses what is not one', () => {
    const r = new RecentDirs();
    expect(r.remember('/a', dir('a'), 3).links).toBe(3);
    expect(() => r.remember('/f', new Entry('f', undefined, '/host/f', 'file'), 0)).toThrow(/ENOTDIR/);
    expect(r.find('/f')).toBeUndefined();
  });

  it('replaces the least recently used of four', () => {
    const r = new RecentDirs();
    for (const n of ['a', 'b', 'c', 'd']) r.remember(`/${n}`, dir(n), 0);
    // using a keeps it; b is now the oldest
    r.find('/a');
    r.remember('/e', dir('e'), 0);
    expect(['a', 'b', 'c', 'd', 'e'].filter((n) => r.find(`/${n}`))).toEqual(['a', 'c', 'd', 'e']);
    r.clear();
    expect(r.find('/a')).toBeUndefined();
  });
});
