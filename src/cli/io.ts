// Where a command's output goes: the process's stdout/stderr, or buffers in tests.

import { writeSync } from 'node:fs';

export interface Writer {
  write(chunk: string | Uint8Array): void;
}

export interface Io {
  stdout: Writer;
  stderr: Writer;
}

/** Exit status of a process whose reader went away (coreutils die of SIGPIPE: 128 + 13). */
export const EXIT_SIGPIPE = 141;

/**
 * Writes straight to the file descriptor, as a C tool's stdio does: no stream object is
 * built (for a pipe that would load node:net). A reader that went away ends the process
 * quietly; a non-blocking descriptor that is full hands the rest to Node's stream.
 */
function fdWriter(fd: 1 | 2, stream: () => NodeJS.WriteStream): Writer {
  let queued: NodeJS.WriteStream | undefined;
  return {
    write(chunk) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (queued) {
        queued.write(buf);
        return;
      }
      let off = 0;
      try {
        while (off < buf.length) off += writeSync(fd, buf, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') process.exit(EXIT_SIGPIPE);
        if (code !== 'EAGAIN') throw e;
        queued = stream();
        // the reader may go away while the stream still holds output: end as quietly
        queued.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EPIPE') process.exit(EXIT_SIGPIPE);
          throw err;
        });
        queued.write(buf.subarray(off));
      }
    },
  };
}

export function processIo(): Io {
  return { stdout: fdWriter(1, () => process.stdout), stderr: fdWriter(2, () => process.stderr) };
}

/** Collects output as bytes, so tests can check exactly what a command printed. */
export class BufferWriter implements Writer {
  private readonly chunks: Buffer[] = [];

  write(chunk: string | Uint8Array): void {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.bytes().toString('utf8');
  }
}

export function bufferIo(): { stdout: BufferWriter; stderr: BufferWriter } {
  return { stdout: new BufferWriter(), stderr: new BufferWriter() };
}

/** Batches many small writes (tree on a big host) into few large ones. */
export class ChunkedWriter {
  private pending: string[] = [];
  private size = 0;

  constructor(
    private readonly out: Writer,
    private readonly limit = 1 << 16,
  ) {}

  write(text: string): void {
    this.pending.push(text);
    this.size += text.length;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.pending.length > 0) this.out.write(this.pending.join(''));
    this.pending = [];
    this.size = 0;
  }
}
