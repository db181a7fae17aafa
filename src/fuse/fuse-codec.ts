// Byte layouts of the FUSE messages we read and write (include/uapi/linux/fuse.h), in the
// host's byte order. Node numbers hold node ids, file handles and offsets: all stay far
// below 2^53 here.

import { endianness } from 'node:os';
import {
  ATTR_OUT_SIZE,
  DIRENT_NAME_OFFSET,
  ENTRY_OUT_SIZE,
  IN_HEADER_SIZE,
  INIT_OUT_SIZE,
  KSTATFS_SIZE,
  OPEN_OUT_SIZE,
  OUT_HEADER_SIZE,
  S_IFMT,
  WRITE_OUT_SIZE,
} from './fuse-abi.js';

const LE = endianness() === 'LE';

/** Reads a struct field by field from a request body. */
export class StructReader {
  constructor(
    private readonly buf: Buffer,
    private off = 0,
  ) {}

  u16(): number {
    const v = LE ? this.buf.readUInt16LE(this.off) : this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }

  u32(): number {
    const v = LE ? this.buf.readUInt32LE(this.off) : this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }

  u64(): number {
    const v = LE ? this.buf.readBigUInt64LE(this.off) : this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return Number(v);
  }

  u64big(): bigint {
    const v = LE ? this.buf.readBigUInt64LE(this.off) : this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }

  skip(n: number): this {
    this.off += n;
    return this;
  }

  /** A NUL-terminated name (lookup): the bytes up to the NUL, as latin1 (sysfs names are ASCII). */
  cstring(): string {
    const end = this.buf.indexOf(0, this.off);
    const s = this.buf.toString('latin1', this.off, end < 0 ? this.buf.length : end);
    this.off = end < 0 ? this.buf.length : end + 1;
    return s;
  }

  rest(len?: number): Buffer {
    return this.buf.subarray(this.off, len === undefined ? undefined : this.off + len);
  }
}

/** Writes a struct field by field into a zeroed buffer. */
export class StructWriter {
  readonly buf: Buffer;
  private off = 0;

  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }

  u16(v: number): this {
    if (LE) this.buf.writeUInt16LE(v, this.off);
    else this.buf.writeUInt16BE(v, this.off);
    this.off += 2;
    return this;
  }

  u32(v: number): this {
    if (LE) this.buf.writeUInt32LE(v >>> 0, this.off);
    else this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
    return this;
  }

  i32(v: number): this {
    if (LE) this.buf.writeInt32LE(v, this.off);
    else this.buf.writeInt32BE(v, this.off);
    this.off += 4;
    return this;
  }

  u64(v: number | bigint): this {
    const b = BigInt(v);
    if (LE) this.buf.writeBigUInt64LE(b, this.off);
    else this.buf.writeBigUInt64BE(b, this.off);
    this.off += 8;
    return this;
  }

  skip(n: number): this {
    this.off += n;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.buf.set(data, this.off);
    this.off += data.length;
    return this;
  }
}

/** struct fuse_in_header, plus the request's body (the bytes after the header). */
export interface FuseRequest {
  opcode: number;
  unique: bigint;
  nodeid: number;
  uid: number;
  gid: number;
  pid: number;
  body: Buffer;
}

export function parseRequest(buf: Buffer): FuseRequest {
  if (buf.length < IN_HEADER_SIZE) throw new Error(`short FUSE request: ${buf.length} bytes`);
  const r = new StructReader(buf);
  const len = r.u32();
  const opcode = r.u32();
  const unique = r.u64big();
  const nodeid = r.u64();
  const uid = r.u32();
  const gid = r.u32();
  const pid = r.u32();
  if (len > buf.length) throw new Error(`FUSE request says ${len} bytes, read ${buf.length}`);
  return { opcode, unique, nodeid, uid, gid, pid, body: buf.subarray(IN_HEADER_SIZE, len) };
}

/** struct fuse_out_header followed by the payload; error is 0 or a negative errno. */
export function encodeReply(unique: bigint, error: number, payload?: Uint8Array): Buffer {
  const len = OUT_HEADER_SIZE + (error === 0 && payload ? payload.length : 0);
  const w = new StructWriter(len).u32(len).i32(error).u64(unique);
  if (error === 0 && payload) w.bytes(payload);
  return w.buf;
}

/** What fuse_attr says about a node. */
export interface Attr {
  ino: number;
  /** st_mode: file type and permission bits. */
  mode: number;
  nlink: number;
  size: number;
  /** new_encode_dev(major, minor) for character devices, else 0. */
  rdev: number;
  /** atime = mtime = ctime, in ms since the epoch. */
  timeMs: number;
}

export const BLOCK_SIZE = 4096;

function writeAttr(w: StructWriter, a: Attr): void {
  const sec = Math.floor(a.timeMs / 1000);
  const nsec = (a.timeMs % 1000) * 1_000_000;
  w.u64(a.ino).u64(a.size).u64(0); // ino, size, blocks (sysfs files hold no blocks)
  w.u64(sec).u64(sec).u64(sec).u32(nsec).u32(nsec).u32(nsec);
  w.u32(a.mode).u32(a.nlink).u32(0).u32(0).u32(a.rdev).u32(BLOCK_SIZE).u32(0); // uid, gid root
}

/** Every entry and attribute is valid for 0 s: each access reaches the twin, sysfs content changes. */
export function encodeEntryOut(a: Attr): Buffer {
  const w = new StructWriter(ENTRY_OUT_SIZE);
  w.u64(a.ino).u64(0).u64(0).u64(0).u32(0).u32(0); // nodeid, generation, entry_valid, attr_valid (+nsec)
  writeAttr(w, a);
  return w.buf;
}

export function encodeAttrOut(a: Attr): Buffer {
  const w = new StructWriter(ATTR_OUT_SIZE);
  w.u64(0).u32(0).u32(0); // attr_valid, attr_valid_nsec, dummy
  writeAttr(w, a);
  return w.buf;
}

export function encodeOpenOut(fh: number, openFlags: number): Buffer {
  return new StructWriter(OPEN_OUT_SIZE).u64(fh).u32(openFlags).u32(0).buf;
}

export function encodeWriteOut(size: number): Buffer {
  return new StructWriter(WRITE_OUT_SIZE).u32(size).u32(0).buf;
}

/** struct fuse_kstatfs as sysfs reports it (statfs(2) on /sys): no blocks, no inodes counted. */
export function encodeStatfsOut(): Buffer {
  const w = new StructWriter(KSTATFS_SIZE);
  w.u64(0).u64(0).u64(0).u64(0).u64(0); // blocks, bfree, bavail, files, ffree
  w.u32(BLOCK_SIZE).u32(255).u32(BLOCK_SIZE); // bsize, namelen, frsize
  return w.buf;
}

export interface InitOut {
  major: number;
  minor: number;
  maxReadahead: number;
  flags: number;
  maxBackground: number;
  congestionThreshold: number;
  maxWrite: number;
  timeGran: number;
}

export function encodeInitOut(o: InitOut): Buffer {
  const w = new StructWriter(INIT_OUT_SIZE);
  w.u32(o.major).u32(o.minor).u32(o.maxReadahead).u32(o.flags);
  w.u16(o.maxBackground).u16(o.congestionThreshold).u32(o.maxWrite).u32(o.timeGran);
  return w.buf; // max_pages, map_alignment, flags2 and the rest stay 0
}

export interface DirEntry {
  name: string;
  ino: number;
  /** st_mode of the entry; the dirent type is its S_IFMT >> 12. */
  mode: number;
}

/** The size of one struct fuse_dirent with its name, padded to 8 bytes (FUSE_DIRENT_SIZE). */
export function direntSize(name: string): number {
  return (DIRENT_NAME_OFFSET + Buffer.byteLength(name, 'latin1') + 7) & ~7;
}

/**
 * READDIR's reply: entries from index `start` while they fit in `size` bytes; each
 * carries the offset of the next one, which the kernel passes back to continue.
 */
export function encodeDirents(entries: readonly DirEntry[], start: number, size: number): Buffer {
  let total = 0;
  let end = start;
  while (end < entries.length) {
    const len = direntSize(entries[end]!.name);
    if (total + len > size) break;
    total += len;
    end++;
  }
  const w = new StructWriter(total);
  for (let i = start; i < end; i++) {
    const e = entries[i]!;
    const name = Buffer.from(e.name, 'latin1');
    w.u64(e.ino).u64(i + 1).u32(name.length).u32((e.mode & S_IFMT) >> 12).bytes(name);
    w.skip(direntSize(e.name) - DIRENT_NAME_OFFSET - name.length);
  }
  return w.buf;
}

/** include/linux/kdev_t.h new_encode_dev: the 32-bit dev_t FUSE carries in fuse_attr.rdev. */
export function newEncodeDev(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
