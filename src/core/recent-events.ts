// The most recent events of a trace, at most `limit` of them (the oldest go first), so a long
// run keeps a flat heap: the kernel's trace and the VMM's both keep theirs here.

export class RecentEvents<E extends { seq: number }> {
  private readonly buf: E[] = [];

  constructor(readonly limit: number) {}

  push(e: E): void {
    this.buf.push(e);
    // trimmed in batches: one splice per `limit` events keeps recording O(1)
    if (this.buf.length > 2 * this.limit) this.trim();
  }

  /** The events kept, oldest first. */
  get list(): E[] {
    this.trim();
    return this.buf;
  }

  /** Drops the events numbered `seq` and later. */
  dropFrom(seq: number): void {
    while (this.buf.length > 0 && this.buf.at(-1)!.seq >= seq) this.buf.pop();
  }

  clear(): void {
    this.buf.length = 0;
  }

  private trim(): void {
    if (this.buf.length > this.limit) this.buf.splice(0, this.buf.length - this.limit);
  }
}
