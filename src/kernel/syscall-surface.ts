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

/** mmap(2) protections and flags (asm-generic mman). */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
/** Memory of the process's own, zero-filled (fd -1, offset 0). */
export const MAP_ANONYMOUS = 0x20;

/**
 * A mapping mmap(2) made in the process's address space: loads and stores at byte offsets
 * from its start (little-endian, 1, 2, 4 or 8 bytes) reach what the driver mapped, e.g. a
 * device's registers. A load without PROT_READ, a store without PROT_WRITE or an access
 * outside the mapping faults (EFAULT: the twin's SIGSEGV).
 */
export interface Mapping {
  /** The mapping's address (page aligned): the handle munmap and mapping() take. */
  readonly addr: bigint;
  readonly length: number;
  load(offset: number, size: number): bigint;
  store(offset: number, size: number, value: bigint): void;
  /** `length` bytes from `offset` (what memcpy out of the mapping reads). */
  read(offset: number, length: number): Uint8Array;
  /** Bytes stored from `offset` (what memcpy into the mapping writes). */
  write(offset: number, data: Uint8Array): void;
}

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

export interface Syscalls {
  open(path: string, flags: number): number;
  close(fd: number): void;
  /** Reads up to count bytes (default: all that remains) from the file position. */
  read(fd: number, count?: number): Uint8Array;
  /** write(2): returns the byte count the file accepted. */
  write(fd: number, data: Uint8Array | string): number;
  /** pread(2): up to count bytes at a file offset (the file position does not move). */
  pread(fd: number, count: number, offset: bigint): Uint8Array;
  /** pwrite(2): returns the byte count the file accepted at that offset. */
  pwrite(fd: number, data: Uint8Array, offset: bigint): number;
  /** mmap(2) of a file (length bytes at a page-aligned file offset), or with MAP_ANONYMOUS of zeroed memory (fd -1). */
  mmap(length: number, prot: number, flags: number, fd: number, offset: bigint): Mapping;
  /** munmap(2) of a whole mapping. */
  munmap(addr: bigint, length: number): void;
  /** The mapping at an address (what a pointer the program kept reaches, e.g. after a restore). */
  mapping(addr: bigint): Mapping | undefined;
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
