// Where a command's output goes: the process's stdout/stderr, or buffers in tests.

export interface Writer {
  write(chunk: string | Uint8Array): void;
}

export interface Io {
  stdout: Writer;
  stderr: Writer;
}

export function processIo(): Io {
  return {
    stdout: { write: (chunk) => void process.stdout.write(chunk) },
    stderr: { write: (chunk) => void process.stderr.write(chunk) },
  };
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
