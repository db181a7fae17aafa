// The FUSE kernel ABI that vfioctl speaks on /dev/fuse: protocol version, opcodes, flags
// and struct sizes, from include/uapi/linux/fuse.h. Integers travel in the host's byte
// order (little-endian on x86-64, big-endian on s390x); fuse-codec.ts reads them so.

/** The protocol we implement: 7.31 (Linux 5.4). The kernel talks min(its minor, ours). */
export const FUSE_KERNEL_VERSION = 7;
export const FUSE_KERNEL_MINOR_VERSION = 31;
/** Oldest kernel minor we accept: 7.28 (Linux 4.20) has the 64-byte fuse_init_out. */
export const FUSE_MIN_KERNEL_MINOR = 28;

export const FUSE_ROOT_ID = 1;

/** fuse_dev_do_read refuses smaller buffers; we also need max_write plus the headers. */
export const FUSE_MIN_READ_BUFFER = 8192;

export const Opcode = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  SETXATTR: 21,
  GETXATTR: 22,
  LISTXATTR: 23,
  REMOVEXATTR: 24,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  DESTROY: 38,
  BATCH_FORGET: 42,
  RENAME2: 45,
  TMPFILE: 51,
} as const;

/** fuse_init_in/out flags we use. */
export const InitFlag = {
  ASYNC_READ: 1 << 0,
  ATOMIC_O_TRUNC: 1 << 3,
  BIG_WRITES: 1 << 5,
  PARALLEL_DIROPS: 1 << 18,
} as const;

/** fuse_open_out.open_flags */
export const FOPEN_DIRECT_IO = 1 << 0;

/** fuse_setattr_in.valid */
export const Fattr = {
  MODE: 1 << 0,
  UID: 1 << 1,
  GID: 1 << 2,
  SIZE: 1 << 3,
  ATIME: 1 << 4,
  MTIME: 1 << 5,
  FH: 1 << 6,
  ATIME_NOW: 1 << 7,
  MTIME_NOW: 1 << 8,
  LOCKOWNER: 1 << 9,
  CTIME: 1 << 10,
} as const;

// Struct sizes (bytes).
export const IN_HEADER_SIZE = 40;
export const OUT_HEADER_SIZE = 16;
export const ATTR_SIZE = 88;
export const ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
export const ATTR_OUT_SIZE = 16 + ATTR_SIZE;
export const INIT_OUT_SIZE = 64;
export const OPEN_OUT_SIZE = 16;
export const WRITE_IN_SIZE = 40;
export const WRITE_OUT_SIZE = 8;
export const KSTATFS_SIZE = 80;
export const DIRENT_NAME_OFFSET = 24;

// <sys/stat.h> file types, and the dirent types (DT_*) that are S_IFMT >> 12.
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
