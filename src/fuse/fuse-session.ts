// One FUSE connection: reads requests from the /dev/fuse fd, answers INIT, DESTROY and
// INTERRUPT itself and everything else through the filesystem, and writes the replies.
//
// Reading is one async fs.read at a time (libuv's threadpool blocks in read(2) for us); a
// request is answered synchronously before the next read reuses the buffer, so requests
// are handled one by one in arrival order. read(2) fails with ENODEV once the file system
// is unmounted (or ECONNABORTED after an abort): that ends the session.
//
// While the session is held (a vfioctl command runs in the server), WRITE requests wait
// in arrival order and everything else is answered: readers see the twin as it was before
// the command, writers see it after, and the command itself may read through the mount.

import { read, writeSync } from 'node:fs';
import { isKernelError } from '../core/errno.js';
import {
  FUSE_KERNEL_MINOR_VERSION,
  FUSE_KERNEL_VERSION,
  FUSE_MIN_KERNEL_MINOR,
  FUSE_MIN_READ_BUFFER,
  InitFlag,
  Opcode,
  WRITE_IN_SIZE,
  IN_HEADER_SIZE,
} from './fuse-abi.js';
import { encodeInitOut, encodeReply, parseRequest, StructReader, type FuseRequest } from './fuse-codec.js';

/** The served file system: a reply payload, null for no reply; errors throw KernelError. */
export interface FuseFilesystem {
  handle(req: FuseRequest): Buffer | null;
}

/** Largest WRITE payload we accept; kernfs stores at most a page per write(2) anyway. */
export const MAX_WRITE = 64 * 1024;
const READ_BUFFER_SIZE = Math.max(FUSE_MIN_READ_BUFFER, IN_HEADER_SIZE + WRITE_IN_SIZE + MAX_WRITE + 4096);

const EIO = 5;
const EPROTO = 71;

/** The init flags we ask for: no writeback cache, no splice, no readdirplus, no ABORT_ERROR. */
const WANTED_FLAGS = InitFlag.ASYNC_READ | InitFlag.ATOMIC_O_TRUNC | InitFlag.BIG_WRITES | InitFlag.PARALLEL_DIROPS;

export interface SessionEnd {
  /** 'unmounted': read(2) said ENODEV/ECONNABORTED or DESTROY came; 'error': something else broke. */
  reason: 'unmounted' | 'error';
  error?: Error;
}

export interface SessionOptions {
  /** Diagnostics (a failed reply write, an exception in the file system). */
  log?: (line: string) => void;
}

export interface InitInfo {
  kernelMajor: number;
  kernelMinor: number;
  minor: number;
  flags: number;
}

function readAsync(fd: number, buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n))));
}

export class FuseSession {
  /** Settles when the connection ends. */
  readonly done: Promise<SessionEnd>;
  /** Requests answered, by opcode. */
  readonly counts = new Map<number, number>();
  init?: InitInfo;
  /** WRITE requests waiting while the session is held (pause/resume). */
  private held?: Buffer[];
  private gone = false;
  private started = false;
  private startLoop!: () => void;

  constructor(
    private readonly fd: number,
    private readonly fs: FuseFilesystem,
    private readonly opts: SessionOptions = {},
  ) {
    this.done = new Promise<void>((resolve) => (this.startLoop = resolve)).then(() => this.loop());
  }

  /** Starts reading; call once the mount exists (read(2) on an unmounted fd is EPERM). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.startLoop();
  }

  /** Holds WRITE requests (they wait, in order) until resume(); the rest are still answered. */
  pause(): void {
    this.held ??= [];
  }

  /** Answers the held writes, in arrival order, and stops holding. */
  resume(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const raw of held) if (this.process(raw) !== 'ok') this.gone = true;
  }

  private async loop(): Promise<SessionEnd> {
    const buf = Buffer.allocUnsafe(READ_BUFFER_SIZE);
    while (!this.gone) {
      let n: number;
      try {
        n = await readAsync(this.fd, buf);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EINTR' || code === 'EAGAIN') continue;
        if (code === 'ENODEV' || code === 'ECONNABORTED') return { reason: 'unmounted' };
        return { reason: 'error', error: e as Error };
      }
      const raw = buf.subarray(0, n);
      if (this.held && n >= IN_HEADER_SIZE && new StructReader(raw, 4).u32() === Opcode.WRITE) {
        this.held.push(Buffer.from(raw));
        continue;
      }
      const outcome = this.process(raw);
      if (outcome === 'destroyed' || outcome === 'gone') return { reason: 'unmounted' };
    }
    return { reason: 'unmounted' };
  }

  /** Answers one request; 'gone' when the connection vanished while replying. */
  private process(raw: Buffer): 'ok' | 'destroyed' | 'gone' {
    let req: FuseRequest;
    try {
      req = parseRequest(raw);
    } catch (e) {
      this.opts.log?.(`fuse: ${(e as Error).message}`);
      return 'ok';
    }
    this.counts.set(req.opcode, (this.counts.get(req.opcode) ?? 0) + 1);
    switch (req.opcode) {
      case Opcode.INIT:
        return this.reply(req, this.negotiate(req));
      case Opcode.DESTROY:
        this.reply(req, Buffer.alloc(0));
        return 'destroyed';
      case Opcode.INTERRUPT:
        // requests are answered at once (held writes once the command ends): nothing is
        // worth interrupting; a caller killed meanwhile makes our late reply fail ENOENT
        return 'ok';
    }
    if (!this.init) return this.reply(req, -EIO);
    let result: Buffer | null | number;
    try {
      result = this.fs.handle(req);
    } catch (e) {
      if (isKernelError(e)) result = -e.errno;
      else {
        this.opts.log?.(`fuse: opcode ${req.opcode} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        result = -EIO;
      }
    }
    return result === null ? 'ok' : this.reply(req, result);
  }

  /** FUSE_INIT: the kernel's version and flags in, ours out (include/uapi/linux/fuse.h). */
  private negotiate(req: FuseRequest): Buffer | number {
    const r = new StructReader(req.body);
    const major = r.u32();
    const minor = r.u32();
    const maxReadahead = r.u32();
    const flags = r.u32();
    // a kernel with a newer major asks us to answer with ours and sends INIT again
    if (major > FUSE_KERNEL_VERSION) return this.initOut(FUSE_KERNEL_VERSION, FUSE_KERNEL_MINOR_VERSION, 0, 0);
    if (major < FUSE_KERNEL_VERSION || minor < FUSE_MIN_KERNEL_MINOR) {
      this.opts.log?.(`fuse: kernel protocol ${major}.${minor} is older than 7.${FUSE_MIN_KERNEL_MINOR}`);
      return -EPROTO;
    }
    const agreed = Math.min(minor, FUSE_KERNEL_MINOR_VERSION);
    const granted = flags & WANTED_FLAGS;
    this.init = { kernelMajor: major, kernelMinor: minor, minor: agreed, flags: granted };
    return this.initOut(FUSE_KERNEL_VERSION, agreed, maxReadahead, granted);
  }

  private initOut(major: number, minor: number, maxReadahead: number, flags: number): Buffer {
    return encodeInitOut({ major, minor, maxReadahead, flags, maxBackground: 16, congestionThreshold: 12, maxWrite: MAX_WRITE, timeGran: 1 });
  }

  private reply(req: FuseRequest, result: Buffer | number): 'ok' | 'gone' {
    const msg = typeof result === 'number' ? encodeReply(req.unique, result) : encodeReply(req.unique, 0, result);
    try {
      writeSync(this.fd, msg);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT: the request was interrupted or aborted meanwhile; nobody waits for it
      if (code === 'ENOENT') return 'ok';
      if (code === 'ENODEV' || code === 'ECONNABORTED') return 'gone';
      this.opts.log?.(`fuse: reply to opcode ${req.opcode} failed: ${(e as Error).message}`);
    }
    return 'ok';
  }
}
