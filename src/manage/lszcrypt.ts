// lszcrypt's device table (s390-tools zconf/zcrypt/lszcrypt.c, ecosystem spec §2.1),
// computed only from sysfs reads so it works on the twin, an exported tree or a real /sys.

import { apFunctionLetters, apModeName } from '../core/ap-functions.js';
import { isDir, readLine, type SysfsReader } from './sysfs-reader.js';
import { recHeader, recRow, type RecColumn } from './util-rec.js';

export type LszcryptField =
  | 'card'
  | 'type'
  | 'mode'
  | 'status'
  | 'requests'
  | 'pending'
  | 'hwtype'
  | 'qdepth'
  | 'functions'
  | 'driver'
  | 'sestat';

/** One table row; the keys are the columns shown, in order. */
export type LszcryptRecord = Partial<Record<LszcryptField, string>>;

export interface LszcryptOptions {
  verbose?: boolean;
  /** Where sysfs is mounted in the reader's namespace (lszcrypt's $SYSFS_ROOT). */
  sysfs?: string;
}

/** A condition on which lszcrypt exits with errx(): the message it prints. */
export class LszcryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LszcryptError';
  }
}

// define_rec_default / define_rec_verbose
const DEFAULT_COLUMNS: RecColumn<LszcryptField>[] = [
  { key: 'card', header: 'CARD.DOM', width: 8, align: 'left' },
  { key: 'type', header: 'TYPE', width: 5, align: 'left' },
  { key: 'mode', header: 'MODE', width: 11, align: 'left' },
  { key: 'status', header: 'STATUS', width: 10, align: 'left' },
  { key: 'requests', header: 'REQUESTS', width: 8, align: 'right' },
];
const VERBOSE_COLUMNS: RecColumn<LszcryptField>[] = [
  { key: 'pending', header: 'PENDING', width: 8, align: 'right' },
  { key: 'hwtype', header: 'HWTYPE', width: 6, align: 'right' },
  { key: 'qdepth', header: 'QDEPTH', width: 6, align: 'right' },
  { key: 'functions', header: 'FUNCTIONS', width: 10, align: 'left' },
  { key: 'driver', header: 'DRIVER', width: 11, align: 'left' },
];
const SESTAT_COLUMN: RecColumn<LszcryptField> = { key: 'sestat', header: 'SESTAT', width: 11, align: 'left' };

const SE_BIND_STATES = ['usable', 'bound', 'unbound', 'illicit'] as const;

class DeviceReader {
  constructor(
    private readonly reader: SysfsReader,
    readonly verbose: boolean,
    readonly sestat: boolean,
  ) {}

  line(path: string): string | undefined {
    return readLine(this.reader, path);
  }

  readable(path: string): boolean {
    return this.line(path) !== undefined;
  }

  /** util_file_read_l(…, 10, …): strtol of the first line, or `fallback` when unreadable. */
  long(path: string, fallback: number): number {
    const text = this.line(path);
    const value = text === undefined ? NaN : parseInt(text.trim(), 10);
    return Number.isNaN(value) ? fallback : value;
  }

  /** util_file_read_ul(…, 16, …): strtoul base 16 (a 0x prefix is allowed). */
  hex(path: string): number | undefined {
    const text = this.line(path);
    const value = text === undefined ? NaN : parseInt(text.trim(), 16);
    return Number.isNaN(value) ? undefined : value;
  }

  /** read_driver(): the driver link's basename and whether it is zcrypt's (1) or vfio_ap (2). */
  driver(dir: string): { name: string; kind: 0 | 1 | 2 } {
    let target: string;
    try {
      target = this.reader.readlink(`${dir}/driver`);
    } catch {
      return { name: '-no-driver-', kind: 0 };
    }
    const slash = target.lastIndexOf('/');
    if (slash < 0) return { name: '-no-driver-', kind: 0 };
    const name = target.slice(slash + 1);
    if (/cex[0-9](card|queue)/.test(name)) return { name, kind: 1 };
    if (/vfio.ap/.test(name)) return { name, kind: 2 };
    return { name: '-no-driver-', kind: 0 };
  }

  names(dir: string, pattern: RegExp): string[] {
    return this.reader
      .readdir(dir)
      .filter((n) => pattern.test(n))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}


/** Status by precedence: deconfig, chkstop, online/offline, then the queue's `status` file. */
function statusOf(config: number, chkstop: number, online: number, statusFile: () => string | undefined): string {
  if (config === 0) return 'deconfig';
  if (chkstop > 0) return 'chkstop';
  if (online > 0) return 'online';
  if (online === 0) return 'offline';
  return statusFile() ?? '-';
}

/** Columns from the card that every row of it shares: hwtype, QDEPTH, FUNCTIONS. */
function cardVerbose(dev: DeviceReader, grp: string): LszcryptRecord {
  const depth = dev.long(`${grp}/depth`, NaN);
  return {
    hwtype: dev.line(`${grp}/hwtype`) ?? '-',
    // "%02d" of the card's depth attribute, as the spec's run of lszcrypt shows (depth 8 -> 08)
    qdepth: Number.isNaN(depth) ? '-' : String(depth).padStart(2, '0'),
    functions: apFunctionLetters(dev.hex(`${grp}/ap_functions`) ?? 0),
  };
}

function queueSestat(dev: DeviceReader, queue: string): string {
  const functions = dev.hex(`${queue}/ap_functions`);
  if (functions === undefined) return 'error';
  return SE_BIND_STATES[(functions & 0xc000) >>> 14] ?? '-';
}

function cardRecord(dev: DeviceReader, grp: string, name: string): LszcryptRecord {
  const config = dev.long(`${grp}/config`, -1);
  const rec: LszcryptRecord = {
    card: name.slice('card'.length),
    type: dev.line(`${grp}/type`) ?? '-',
    mode: apModeName(dev.hex(`${grp}/ap_functions`) ?? 0),
    status: statusOf(config, dev.long(`${grp}/chkstop`, -1), dev.long(`${grp}/online`, -1), () => undefined),
    requests: config === 0 ? '-' : (dev.line(`${grp}/request_count`) ?? '-'),
  };
  if (!dev.verbose) return rec;
  const pending = config === 0 ? '-' : String(dev.long(`${grp}/pendingq_count`, 0) + dev.long(`${grp}/requestq_count`, 0));
  Object.assign(rec, { pending }, cardVerbose(dev, grp), { driver: dev.driver(grp).name });
  if (dev.sestat) rec.sestat = '-';
  return rec;
}

function queueRecord(dev: DeviceReader, grp: string, sub: string): LszcryptRecord {
  const q = `${grp}/${sub}`;
  const config = dev.long(`${q}/config`, -1);
  const rec: LszcryptRecord = {
    card: sub,
    type: dev.line(`${grp}/type`) ?? '-',
    mode: apModeName(dev.hex(`${grp}/ap_functions`) ?? 0),
    status: statusOf(config, dev.long(`${q}/chkstop`, -1), dev.long(`${q}/online`, -1), () => dev.line(`${q}/status`)),
    requests: config === 0 ? '-' : (dev.line(`${q}/request_count`) ?? '-'),
  };
  if (!dev.verbose) return rec;
  const driver = dev.driver(q);
  // PENDING is only meaningful while zcrypt's queue driver owns the queue
  const pending =
    dev.long(`${grp}/config`, -1) === 0 || driver.kind !== 1
      ? '-'
      : String(dev.long(`${q}/pendingq_count`, 0) + dev.long(`${q}/requestq_count`, 0));
  Object.assign(rec, { pending }, cardVerbose(dev, grp), { driver: driver.name });
  if (dev.sestat) rec.sestat = queueSestat(dev, q);
  return rec;
}

/** show_device + show_subdevices: a card's row, then its queues' rows. */
function deviceRecords(dev: DeviceReader, devices: string, name: string): LszcryptRecord[] {
  const grp = `${devices}/${name}`;
  // without -V, devices zcrypt does not drive (no type/online) are skipped
  if (!dev.verbose && (!dev.readable(`${grp}/type`) || !dev.readable(`${grp}/online`))) return [];
  const rows = [cardRecord(dev, grp, name)];
  const subs = dev.names(grp, /^..\.....$/);
  if (subs.length === 0) throw new LszcryptError(`Error - no subdevices found for ${grp}.`);
  for (const sub of subs) {
    if (!dev.verbose && !dev.readable(`${grp}/${sub}/online`)) continue;
    rows.push(queueRecord(dev, grp, sub));
  }
  return rows;
}

function hasSeBindSupport(reader: SysfsReader, sysfs: string): boolean {
  return (readLine(reader, `${sysfs}/bus/ap/features`) ?? '').split(/\s+/).includes('APSB');
}

export interface LszcryptTable {
  columns: RecColumn<LszcryptField>[];
  records: LszcryptRecord[];
}

/** show_devices_all: every card (alphasorted) with its queues. */
export function lszcryptTable(reader: SysfsReader, opts: LszcryptOptions = {}): LszcryptTable {
  const sysfs = opts.sysfs ?? '/sys';
  if (!isDir(reader, `${sysfs}/bus/ap`)) throw new LszcryptError('Crypto device driver not available.');
  const verbose = opts.verbose ?? false;
  const sestat = verbose && hasSeBindSupport(reader, sysfs);
  const columns = [...DEFAULT_COLUMNS, ...(verbose ? VERBOSE_COLUMNS : []), ...(sestat ? [SESTAT_COLUMN] : [])];
  const dev = new DeviceReader(reader, verbose, sestat);
  const devices = `${sysfs}/devices/ap`;
  const cards = isDir(reader, devices) ? dev.names(devices, /^card[0-9a-fA-F]+$/) : [];
  if (cards.length === 0) throw new LszcryptError('No crypto card devices found.');
  return { columns, records: cards.flatMap((name) => deviceRecords(dev, devices, name)) };
}

/** The table as lszcrypt prints it, byte for byte. */
export function formatLszcrypt(table: LszcryptTable): string {
  const full = (r: LszcryptRecord): Record<LszcryptField, string> =>
    Object.fromEntries(table.columns.map((c) => [c.key, r[c.key] ?? ''])) as Record<LszcryptField, string>;
  return recHeader(table.columns) + table.records.map((r) => recRow(table.columns, full(r))).join('');
}
