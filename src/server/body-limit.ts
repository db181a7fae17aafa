// The 1 MiB body limit, decided from the request line and headers when they tell: hono's
// bodyLimit asks for `c.req.raw.body`, which makes @hono/node-server build a whole WHATWG
// Request (AbortSignal, Headers, a ReadableStream over the socket) for every request, reads
// included. Only a body of unknown length (chunked, or no Content-Length) goes to hono's
// counting reader; the answers are the same.

import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as countingBodyLimit } from 'hono/body-limit';

export function bodyLimit(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const counting = countingBodyLimit({ maxSize, onError });
  return async (c, next) => {
    const method = c.req.method;
    // a GET or HEAD request has no body (the Fetch standard's Request drops it)
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) return parseInt(length || '0', 10) > maxSize ? onError(c) : next();
    return counting(c, next);
  };
}
