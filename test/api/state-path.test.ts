import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveStatePath } from '../../src/api/state-path.js';

describe('state file location', () => {
  it('prefers --state, resolved against the working directory', () => {
    expect(resolveStatePath('/x/s.json', { VFIOCTL_STATE: '/y/t.json' })).toBe('/x/s.json');
    expect(resolveStatePath('rel.json', {})).toBe(`${process.cwd()}/rel.json`);
  });

  it('then $VFIOCTL_STATE', () => {
    expect(resolveStatePath(undefined, { VFIOCTL_STATE: '/y/t.json', XDG_STATE_HOME: '/z' })).toBe('/y/t.json');
  });

  it('then $XDG_STATE_HOME/vfioctl/twin.json', () => {
    expect(resolveStatePath(undefined, { XDG_STATE_HOME: '/z/state' })).toBe('/z/state/vfioctl/twin.json');
  });

  it('falls back to ~/.local/state, ignoring a relative XDG_STATE_HOME as the XDG spec says', () => {
    expect(resolveStatePath(undefined, { HOME: '/home/u' })).toBe('/home/u/.local/state/vfioctl/twin.json');
    expect(resolveStatePath(undefined, { HOME: '/home/u', XDG_STATE_HOME: 'rel' })).toBe('/home/u/.local/state/vfioctl/twin.json');
    expect(resolveStatePath(undefined, {})).toBe(`${homedir()}/.local/state/vfioctl/twin.json`);
  });
});
