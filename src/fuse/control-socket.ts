// The serving process's control socket, `<state>.sock` next to the state file: while a
// mount serves a state, vfioctl commands on that state run inside the server (one truth).
// Protocol: one JSON line in, one JSON line out, then the server closes the connection.

import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export const PROTOCOL_VERSION = 1;

/** sun_path holds 108 bytes with the NUL. */
const SUN_PATH_MAX = 107;

export type ControlRequest =
  | { v: typeof PROTOCOL_VERSION; op: 'ping' }
  | {
      v: typeof PROTOCOL_VERSION;
      op: 'run';
      /** The state file the client resolved; it must be the one served. */
      state: string;
      argv: string[];
      cwd: string;
      env: Record<string, string>;
      /** The caller's stdin (base64), when argv reads it (forward.ts). */
      stdin?: string;
    };

export interface PingReply {
  ok: true;
  pid: number;
  state: string;
  mount: string;
}

export type RunReply = { ok: true; code: number; stdout: string; stderr: string } | { ok: false; error: string };

export { socketPath } from './socket-path.js';

export class SocketPathError extends Error {}

export function checkSocketPath(path: string): void {
  if (Buffer.byteLength(path) > SUN_PATH_MAX)
    throw new SocketPathError(`control socket path ${path} is longer than ${SUN_PATH_MAX} bytes; use a shorter state path`);
}

export type RequestHandler = (req: ControlRequest) => Promise<unknown>;

/** Listens on `path`; a stale socket file (nobody listening) is replaced, a live one is EADDRINUSE. */
export async function listenControl(path: string, handler: RequestHandler): Promise<Server> {
  checkSocketPath(path);
  const server = createServer({ allowHalfOpen: true }, (sock) => serveConnection(sock, handler));
  try {
    await listen(server, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || (await ping(path)) !== undefined) throw e;
    unlinkSync(path);
    await listen(server, path);
  }
  chmodSync(path, 0o600);
  return server;
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export function closeControl(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // a closed listener removes its socket file; make sure of it
    if (existsSync(path)) {
      try {
        unlinkSync(path);
      } catch {
        // gone already
      }
    }
  });
}

function serveConnection(sock: Socket, handler: RequestHandler): void {
  let buf = '';
  let answered = false;
  sock.setEncoding('utf8');
  sock.on('error', () => undefined);
  sock.on('data', (chunk: string) => {
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl < 0 || answered) return;
    answered = true;
    let req: ControlRequest;
    try {
      req = JSON.parse(buf.slice(0, nl)) as ControlRequest;
      if (req.v !== PROTOCOL_VERSION) throw new Error(`protocol version ${String(req.v)} (want ${PROTOCOL_VERSION})`);
    } catch (e) {
      sock.end(`${JSON.stringify({ ok: false, error: `bad request: ${(e as Error).message}` })}\n`);
      return;
    }
    handler(req).then(
      (reply) => sock.end(`${JSON.stringify(reply)}\n`),
      (e: unknown) => sock.end(`${JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) })}\n`),
    );
  });
}

export class NoServerError extends Error {}

/**
 * Sends one request and returns the parsed reply. NoServerError when nobody listens (no
 * socket file, or a stale one); other errors when the server went away mid-request.
 */
export function request<T>(path: string, req: ControlRequest, timeoutMs?: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined)
      timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`no answer from ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
    const done = (): void => clearTimeout(timer);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (chunk: string) => (buf += chunk));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      done();
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') reject(new NoServerError(`no server on ${path}`));
      else reject(e);
    });
    sock.on('close', () => {
      done();
      const line = buf.split('\n')[0] ?? '';
      if (!line) return reject(new Error(`the server on ${path} closed the connection without answering`));
      try {
        resolve(JSON.parse(line) as T);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/** The live server's identity, or undefined when nobody answers on `path` within 2 s. */
export async function ping(path: string, timeoutMs = 2000): Promise<PingReply | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    const reply = await request<PingReply | { ok: false }>(path, { v: PROTOCOL_VERSION, op: 'ping' }, timeoutMs);
    return reply.ok ? reply : undefined;
  } catch {
    return undefined;
  }
}
