// The 1 MiB body limit holds whether the client says the length up front (Content-Length)
// or streams the body (Transfer-Encoding: chunked), and a body under it still reaches the route.

import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_BODY } from '../../src/server/app.js';
import { serveTwin } from './helpers.js';

/** A POST whose body goes out in `chunks` writes with no Content-Length (chunked encoding). */
function postChunked(url: string, path: string, chunks: string[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('the body limit', () => {
  it('answers 413 to a streamed body over 1 MiB and serves one under it', async () => {
    const s = await serveTwin();
    const big = await postChunked(s.url, '/api/v1/sys/write', ['{"path":"/sys/bus/ap/apmask","value":"', 'x'.repeat(MAX_BODY), '"}']);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toEqual({ error: `the body is over ${MAX_BODY} bytes (1 MiB)` });
    const ok = await postChunked(s.url, '/api/v1/sys/write', ['{"path":"/sys/bus/ap/apmask",', '"value":"-5"}']);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({ path: '/sys/bus/ap/apmask', written: 3 });
  });

  it('answers 413 from the Content-Length alone, and lets reads through', async () => {
    const s = await serveTwin();
    const big = await s.call('POST', '/api/v1/sys/write', { path: '/sys/bus/ap/apmask', value: 'x'.repeat(MAX_BODY) });
    expect(big).toMatchObject({ status: 413, json: { error: `the body is over ${MAX_BODY} bytes (1 MiB)` } });
    expect((await s.call('GET', '/api/v1/sys/read?path=/sys/bus/ap/apmask')).status).toBe(200);
  });
});
