// Linux errno values (asm-generic/errno-base.h, errno.h) with glibc's strerror texts,
// so users can compare twin failures with a real host byte for byte.
export const ERRNO = {
  EPERM: [1, 'Operation not permitted'],
  ENOENT: [2, 'No such file or directory'],
  ESRCH: [3, 'No such process'],
  EINTR: [4, 'Interrupted system call'],
  EIO: [5, 'Input/output error'],
  ENXIO: [6, 'No such device or address'],
  E2BIG: [7, 'Argument list too long'],
  EBADF: [9, 'Bad file descriptor'],
  EAGAIN: [11, 'Resource temporarily unavailable'],
  ENOMEM: [12, 'Cannot allocate memory'],
  EACCES: [13, 'Permission denied'],
  EFAULT: [14, 'Bad address'],
  EBUSY: [16, 'Device or resource busy'],
  EEXIST: [17, 'File exists'],
  EXDEV: [18, 'Invalid cross-device link'],
  ENODEV: [19, 'No such device'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  EINVAL: [22, 'Invalid argument'],
  EMFILE: [24, 'Too many open files'],
  ENOTTY: [25, 'Inappropriate ioctl for device'],
  ENOSPC: [28, 'No space left on device'],
  ESPIPE: [29, 'Illegal seek'],
  EROFS: [30, 'Read-only file system'],
  ERANGE: [34, 'Numerical result out of range'],
  ENAMETOOLONG: [36, 'File name too long'],
  ENOSYS: [38, 'Function not implemented'],
  ENOTEMPTY: [39, 'Directory not empty'],
  ELOOP: [40, 'Too many levels of symbolic links'],
  EUSERS: [87, 'Too many users'],
  EMSGSIZE: [90, 'Message too long'],
  EOPNOTSUPP: [95, 'Operation not supported'],
  EADDRINUSE: [98, 'Address already in use'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
  ENOTCONN: [107, 'Transport endpoint is not connected'],
  ETIMEDOUT: [110, 'Connection timed out'],
  ERESTARTSYS: [512, 'Unknown error 512'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrnoName = keyof typeof ERRNO;

export function errnoNumber(name: ErrnoName): number {
  return ERRNO[name][0];
}

export function strerror(name: ErrnoName): string {
  return ERRNO[name][1];
}

export function errnoByNumber(num: number): ErrnoName | undefined {
  for (const name of Object.keys(ERRNO) as ErrnoName[]) if (ERRNO[name][0] === num) return name;
  return undefined;
}

/** A failure the kernel reports as -errno from a syscall. */
export class KernelError extends Error {
  readonly errno: number;

  constructor(
    readonly code: ErrnoName,
    detail?: string,
  ) {
    super(detail ? `${code} (${strerror(code)}): ${detail}` : `${code} (${strerror(code)})`);
    this.name = 'KernelError';
    this.errno = errnoNumber(code);
  }
}

export function isKernelError(e: unknown, code?: ErrnoName): e is KernelError {
  return e instanceof KernelError && (code === undefined || e.code === code);
}
