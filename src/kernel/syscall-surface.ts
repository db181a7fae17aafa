// The syscall surface (DESIGN.md, Seams): all that user space (the VMM, the guest-facing
// tools, the CLI) may do to a kernel. The twin implements it; a real-Linux binding can too.

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_TRUNC = 0o1000;

/** eventfd2(2) flags (asm-generic fcntl values). */
export const EFD_SEMAPHORE = 1;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;

export type FileKind = 'dir' | 'file' | 'link' | 'chr';

export interface Stat {
  kind: FileKind;
  /** Permission bits (e.g. 0o644). */
  mode: number;
  /** sysfs reports PAGE_SIZE for attributes, the target length for links. */
  size: number;
  /** Character devices: major and minor numbers. */
  rdev?: { major: number; minor: number };
}

/**
 * An ioctl argument: the in/out struct as bytes, a plain integer (or, for drivers that take
 * a pointer, the struct's user-space address), or a string (device name).
 */
export type IoctlArg = Uint8Array | number | bigint | string | undefined;

/**
 * The process's own memory: what its loads and stores reach (peek/poke) and what a
 * pointer in an ioctl struct points into. A stand-in for the address space a real
 * process has; the kernel copies from and to it (EFAULT outside every mapping).
 */
export interface UserSpace {
  /** mmap(2) of `length` zeroed, readable and writable bytes: their address. */
  mmap(length: number): bigint;
  /** munmap(2) of a whole mapping. */
  munmap(addr: bigint): void;
  /** A load of `length` bytes at `addr` (EFAULT where nothing is mapped). */
  peek(addr: bigint, length: number): Uint8Array;
  /** A store of `data` at `addr` (EFAULT where nothing is mapped). */
  poke(addr: bigint, data: Uint8Array): void;
}

export interface Syscalls extends UserSpace {
  open(path: string, flags: number): number;
  close(fd: number): void;
  /** Reads up to count bytes (default: all that remains) from the file position. */
  read(fd: number, count?: number): Uint8Array;
  /** write(2): returns the byte count the file accepted. */
  write(fd: number, data: Uint8Array | string): number;
  /** Returns the ioctl's non-negative result; fills an out struct in place. */
  ioctl(fd: number, request: number, arg?: IoctlArg): number;
  /**
   * eventfd2(2): a new eventfd whose read(2) returns the 8-byte little-endian counter and
   * resets it (EAGAIN when zero: the twin never blocks); write(2) adds an 8-byte value.
   */
  eventfd(initval: number, flags: number): number;
  /**
   * The twin's event loop (what QEMU's qemu_set_fd_handler and main loop do): the handler
   * runs synchronously, in the signalling kernel path, whenever the file becomes readable;
   * undefined removes it. Only eventfds can be watched (EPERM otherwise, as epoll_ctl says).
   */
  setReadHandler(fd: number, handler: (() => void) | undefined): void;
  readlink(path: string): string;
  stat(path: string): Stat;
  lstat(path: string): Stat;
  readdir(path: string): string[];
  realpath(path: string): string;
}

/** Reads a whole file as text: open, read, close (what `cat` does). */
export function readText(sys: Syscalls, path: string): string {
  const fd = sys.open(path, O_RDONLY);
  try {
    return Buffer.from(sys.read(fd)).toString('latin1');
  } finally {
    sys.close(fd);
  }
}

/** One write(2) of the whole buffer to a freshly opened file (what `echo X > file` does). */
export function writeText(sys: Syscalls, path: string, text: string): number {
  const fd = sys.open(path, O_WRONLY);
  try {
    return sys.write(fd, text);
  } finally {
    sys.close(fd);
  }
}
