// `--listen HOST:PORT`: where the server listens, and whether that is loopback only (the
// only place it may listen without a token).

import { isIP } from 'node:net';

export const DEFAULT_LISTEN = '127.0.0.1:7420';

export interface ListenAddress {
  host: string;
  port: number;
}

export class ListenError extends Error {}

/** HOST:PORT, [IPv6]:PORT or :PORT (loopback); port 0 picks a free one. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(text);
  if (!m) throw new ListenError(`--listen ${text}: expected HOST:PORT (e.g. ${DEFAULT_LISTEN} or [::1]:7420)`);
  const port = Number(m[3]);
  if (port > 65535) throw new ListenError(`--listen ${text}: port ${port} is out of range (0-65535)`);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  if (m[1] !== undefined && isIP(host) !== 6) throw new ListenError(`--listen ${text}: ${host} is not an IPv6 address`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The URL of an address (IPv6 in brackets). */
export function urlOf(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
