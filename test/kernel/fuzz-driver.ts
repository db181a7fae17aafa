// Drives random bytes at one writable sysfs attribute of a freshly set-up host: nothing but
// a KernelError may escape, a write takes what it is given (up to a page), an error is one
// the file's rule documents, and a failed write changes nothing.
import fc from 'fast-check';
import { expect } from 'vitest';
import { isKernelError, type ErrnoName } from '../../src/core/errno.js';
import { O_WRONLY } from '../../src/kernel/syscall-surface.js';
import { state, type Shell } from './sh.js';

/** What each writable file may answer: the first rule whose pattern matches its path. */
export type WriteRules = readonly (readonly [RegExp, readonly ErrnoName[]])[];

export interface WriteFuzz {
  setup: () => Shell;
  rules: WriteRules;
  input: fc.Arbitrary<Uint8Array>;
  numRuns: number;
  /** Checks that must hold after every write, failed or not. */
  after?: (sh: Shell) => void;
}

/** Every file under /sys that can be opened for writing (links are not followed). */
export function writableFiles(sh: Shell): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    const st = sh.sys.lstat(path);
    if (st.kind === 'dir') for (const n of sh.sys.readdir(path)) visit(`${path}/${n}`);
    else if (st.kind === 'file' && st.mode & 0o200) out.push(path);
  };
  visit('/sys');
  return out;
}

/** The files of `files` that no rule covers (a fuzz run needs a rule for each). */
export function filesWithoutRule(files: readonly string[], rules: WriteRules): string[] {
  return files.filter((f) => !rules.some(([re]) => re.test(f)));
}

export function fuzzWrites(path: string, { setup, rules, input, numRuns, after }: WriteFuzz): void {
  const allowed = rules.find(([re]) => re.test(path))![1];
  fc.assert(
    fc.property(input, (bytes) => {
      const sh = setup();
      const before = state(sh.host);
      const fd = sh.sys.open(path, O_WRONLY);
      let result: number | ErrnoName;
      try {
        result = sh.sys.write(fd, bytes);
      } catch (e) {
        if (!isKernelError(e)) throw e;
        result = e.code;
      }
      if (typeof result === 'number') expect(result).toBe(Math.min(bytes.length, 4096));
      else {
        expect(allowed, `${path} ← ${JSON.stringify(Buffer.from(bytes).toString('latin1'))}`).toContain(result);
        expect(state(sh.host)).toEqual(before);
      }
      after?.(sh);
    }),
    { numRuns },
  );
}
