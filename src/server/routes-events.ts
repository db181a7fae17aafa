// /api/v1/events: the twin's events as Server-Sent Events — `log` (kernel log lines),
// `uevent` (action, devpath, subsystem, properties as a udev monitor shows them), `trace`
// (VMM steps) and `change` (a state-change notice) — after a `hello` naming the current
// generation and the dmesg cursor, so a client can fetch what it missed and then follow.

import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { TwinEvent } from '../api/twin-events.js';
import { common } from './responses.js';
import type { TwinService } from './twin-service.js';

/** A comment line this often keeps proxies and idle timeouts from closing the stream. */
const HEARTBEAT_MS = 15_000;

const route = createRoute({
  method: 'get',
  path: '/api/v1/events',
  tags: ['events'],
  summary: 'the event stream (text/event-stream): hello, then log, uevent, trace and change events',
  request: { query: z.object({ access_token: z.string().max(4096).optional().openapi({ param: { name: 'access_token', in: 'query' }, description: 'the bearer token, for clients that cannot set headers (EventSource)' }) }) },
  responses: {
    200: {
      content: { 'text/event-stream': { schema: z.string().openapi({ description: 'event: <type>\\ndata: <JSON>\\nid: <n>' }) } },
      description: 'the stream; it stays open',
    },
    ...common.params,
  },
});

/** One event in the text/event-stream format (HTML Standard, server-sent events); JSON data has no line breaks. */
function sseMessage(event: string, json: string, id: number): string {
  return `event: ${event}\ndata: ${json}\nid: ${id}\n\n`;
}

export function eventRoutes(app: OpenAPIHono, svc: TwinService): void {
  app.openapi(route, (c) =>
    streamSSE(c, async (stream) => {
      let id = 0;
      // the events of one change (log lines, uevents, the notice) go out in one write, not one each
      let pending = '';
      const flush = (): void => {
        const text = pending;
        pending = '';
        void stream.write(text).catch(() => undefined);
      };
      const send = (e: TwinEvent | { type: 'hello'; generation: number; next: number }): void => {
        if (!pending) queueMicrotask(flush);
        pending += sseMessage(e.type, JSON.stringify(e), ++id);
      };
      const hello = await svc.read((t) => ({ type: 'hello' as const, generation: t.generation, next: t.dmesg(Number.MAX_SAFE_INTEGER).next }));
      send(hello);
      const off = svc.live.on(send);
      const beat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), HEARTBEAT_MS);
      await new Promise<void>((resolve) => {
        stream.onAbort(() => resolve());
        svc.closing.then(() => resolve(), () => resolve());
      });
      clearInterval(beat);
      off();
    }) as never,
  );
}
