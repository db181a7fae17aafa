// A Server-Sent Events client for tests: reads /api/v1/events with fetch and hands over
// each event's type and parsed data as it arrives.

export interface SseEvent {
  event: string;
  id?: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the event's JSON
}

export interface SseStream {
  /** The next event that satisfies `pred` (events before it are consumed). */
  next(pred?: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const queue: SseEvent[] = [];
  let buf = '';
  let waiting: (() => void) | undefined;
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const e: Partial<SseEvent> & { lines: string[] } = { lines: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('data: ')) e.lines.push(line.slice(6));
          }
          if (!e.event) continue;
          queue.push({ event: e.event, id: e.id, data: JSON.parse(e.lines.join('\n')) });
          waiting?.();
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    async next(pred = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex(pred);
        if (i >= 0) return queue.splice(0, i + 1).at(-1)!;
        queue.length = 0;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no matching event in time');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiting = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    },
    close: () => ac.abort(),
  };
}
