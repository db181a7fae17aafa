// Whole-file reads and writes over the syscall surface, byte-exact (what `cat` and
// `echo … >` do to a sysfs attribute: open, one read or one write(2), close).

import { O_RDONLY, O_WRONLY, type Syscalls } from '../kernel/syscall-surface.js';

export function readBytes(sys: Syscalls, path: string): Uint8Array {
  const fd = sys.open(path, O_RDONLY);
  try {
    return sys.read(fd);
  } finally {
    sys.close(fd);
  }
}

/** One write(2) of the whole buffer; returns the count the file accepted. */
export function writeBytes(sys: Syscalls, path: string, data: Uint8Array): number {
  const fd = sys.open(path, O_WRONLY);
  try {
    return sys.write(fd, data);
  } finally {
    sys.close(fd);
  }
}
