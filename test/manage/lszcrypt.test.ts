import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryReader } from '../../src/manage/dir-reader.js';
import { formatLszcrypt, LszcryptError, lszcryptTable } from '../../src/manage/lszcrypt.js';
import { writeZcryptFixture } from './zcrypt-fixture.js';

// ecosystem spec §2.1, `lszcrypt` against the §2.7 fixture, verbatim
const SPEC_PLAIN = `CARD.DOM TYPE  MODE        STATUS     REQUESTS
----------------------------------------------
05       CEX7C CCA-Coproc  online           42
05.0004  CEX7C CCA-Coproc  online            7
05.0047  CEX7C CCA-Coproc  online            7
06       CEX7P EP11-Coproc online           42
06.0004  CEX7P EP11-Coproc online            7
06.0047  CEX7P EP11-Coproc online            7
`;

// ecosystem spec §2.1, `lszcrypt -V` (the spec's copy lost util_rec's trailing padding)
const SPEC_VERBOSE = [
  'CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER',
  '--------------------------------------------------------------------------------------------',
  '05       CEX7C CCA-Coproc  online           42        0     13     08 S--D--N-F- cex4card',
  '05.0004  CEX7C CCA-Coproc  online            7        0     13     08 S--D--N-F- cex4queue',
  '05.00ab  CEX7C CCA-Coproc  assigned          7        -     13     08 S--D--N-F- vfio_ap',
];

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vfioctl-zcrypt-'));
  writeZcryptFixture(root);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('lszcrypt view against the spec fixture', () => {
  it('prints the plain table byte for byte, hiding the vfio_ap queue', () => {
    expect(formatLszcrypt(lszcryptTable(directoryReader(root)))).toBe(SPEC_PLAIN);
  });

  it('prints the -V rows of the spec, each padded to the full 92-column width', () => {
    const lines = formatLszcrypt(lszcryptTable(directoryReader(root), { verbose: true })).split('\n');
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(0, -1);
    // header, rule, 2 cards x (card + 3 queues)
    expect(rows).toHaveLength(10);
    for (const line of rows) expect(line).toHaveLength(92);
    const byKey = new Map(rows.map((l) => [l.split(' ')[0], l.trimEnd()]));
    expect(rows[0]!.trimEnd()).toBe(SPEC_VERBOSE[0]);
    expect(rows[1]).toBe(SPEC_VERBOSE[1]);
    for (const spec of SPEC_VERBOSE.slice(2)) expect(byKey.get(spec.split(' ')[0])).toBe(spec);
    expect(byKey.get('06')).toBe('06       CEX7P EP11-Coproc online           42        0     13     08 S----XN-F- cex4card');
  });

  it('adds the SESTAT column when the bus has APSB, decoding the queue bind state', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vfioctl-zcrypt-se-'));
    try {
      writeZcryptFixture(dir);
      writeFileSync(join(dir, 'sys/bus/ap/features'), 'APSC APXA QACT RC8A APSB\n');
      writeFileSync(join(dir, 'sys/devices/ap/card05/05.0004/ap_functions'), '0x92804000\n');
      const { columns, records } = lszcryptTable(directoryReader(dir), { verbose: true });
      expect(columns.at(-1)).toMatchObject({ key: 'sestat', width: 11 });
      expect(records.find((r) => r.card === '05')?.sestat).toBe('-');
      expect(records.find((r) => r.card === '05.0004')?.sestat).toBe('bound');
      expect(records.find((r) => r.card === '05.0047')?.sestat).toBe('error');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports status by precedence: deconfig (requests "-"), chkstop, offline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vfioctl-zcrypt-st-'));
    try {
      writeZcryptFixture(dir);
      writeFileSync(join(dir, 'sys/devices/ap/card06/config'), '0\n');
      writeFileSync(join(dir, 'sys/devices/ap/card05/05.0004/chkstop'), '1\n');
      writeFileSync(join(dir, 'sys/devices/ap/card05/05.0047/online'), '0\n');
      const records = lszcryptTable(directoryReader(dir), { verbose: true }).records;
      const get = (card: string) => records.find((r) => r.card === card);
      expect(get('06')).toMatchObject({ status: 'deconfig', requests: '-', pending: '-' });
      // a queue's own config is 1, but its card's deconfig makes PENDING "-"
      expect(get('06.0004')).toMatchObject({ status: 'online', pending: '-' });
      expect(get('05.0004')).toMatchObject({ status: 'chkstop' });
      expect(get('05.0047')).toMatchObject({ status: 'offline' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails as lszcrypt does without an AP bus", () => {
    const dir = mkdtempSync(join(tmpdir(), 'vfioctl-empty-'));
    try {
      expect(() => lszcryptTable(directoryReader(dir))).toThrow(new LszcryptError('Crypto device driver not available.'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
