// The floor of the serve benchmark: a bare node:http server answering the write and read
// routes with bodies of the same shape, and one journal write(2) per write, with none of
// the twin, the validation or the framework. What the same client gets from it is what
// HTTP keep-alive in Node costs on this machine.

import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

function answer(res: ServerResponse, json: unknown): void {
  const body = JSON.stringify(json);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startBareServer(journal: string): Promise<{ url: string; stop(): Promise<void> }> {
  const fd = openSync(journal, 'a');
  let seq = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST') {
        const text = `0x${'f'.repeat(64)}\n`;
        return answer(res, { path: new URL(req.url ?? '/', 'http://x').searchParams.get('path'), text, base64: Buffer.from(text).toString('base64') });
      }
      const { path, value } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { path: string; value: string };
      const data = Buffer.from(`${value}\n`);
      writeSync(fd, `${JSON.stringify({ seq: ++seq, t: Date.now(), path, data: data.toString('base64') })}\n`);
      answer(res, { path, written: data.length, log: [] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        closeSync(fd);
      }),
  };
}
