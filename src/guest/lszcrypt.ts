// lszcrypt as it runs inside the guest (s390-tools zconf/zcrypt/lszcrypt.c with libutil's
// util_rec "wide" format): the guest's zcrypt binds cex4card/cex4queue to every card and
// queue its AP bus found, so every device is online and listed.

import { apFunctionLetters, apModeName } from '../core/ap-functions.js';
import type { GuestApView, GuestCard } from './guest-os.js';

interface Column {
  key: string;
  header: string;
  width: number;
  align: 'left' | 'right';
}

const DEFAULT_COLUMNS: Column[] = [
  { key: 'card', header: 'CARD.DOM', width: 8, align: 'left' },
  { key: 'type', header: 'TYPE', width: 5, align: 'left' },
  { key: 'mode', header: 'MODE', width: 11, align: 'left' },
  { key: 'status', header: 'STATUS', width: 10, align: 'left' },
  { key: 'requests', header: 'REQUESTS', width: 8, align: 'right' },
];

const VERBOSE_COLUMNS: Column[] = [
  { key: 'pending', header: 'PENDING', width: 8, align: 'right' },
  { key: 'hwtype', header: 'HWTYPE', width: 6, align: 'right' },
  { key: 'depth', header: 'QDEPTH', width: 6, align: 'right' },
  { key: 'facility', header: 'FUNCTIONS', width: 10, align: 'left' },
  { key: 'driver', header: 'DRIVER', width: 11, align: 'left' },
];

function pad(text: string, c: Column): string {
  return c.align === 'left' ? text.padEnd(c.width) : text.padStart(c.width);
}

function row(columns: Column[], values: Record<string, string>): string {
  return `${columns.map((c) => pad(values[c.key] ?? '', c)).join(' ')}\n`;
}

function header(columns: Column[]): string {
  const width = columns.reduce((s, c) => s + c.width, 0) + columns.length - 1;
  return `${columns.map((c) => pad(c.header, c)).join(' ')}\n${'-'.repeat(width)}\n`;
}



/** Status by lszcrypt's precedence: deconfig, chkstop, then online or offline (zcrypt binds everything). */
function status(card: GuestCard, apqi?: number): string {
  const rc = apqi === undefined ? undefined : card.queueRc[apqi];
  if (card.deconfigured || rc === 0x03) return 'deconfig';
  if (card.checkstopped || rc === 0x04) return 'chkstop';
  if (apqi !== undefined && card.offline?.includes(apqi)) return 'offline';
  return 'online';
}

export interface LszcryptResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** models show_devices_all (lszcrypt with no device ids), `-V` adding the verbose columns. */
export function lszcrypt(view: GuestApView, verbose: boolean): LszcryptResult {
  // errx(EXIT_FAILURE, ...) prints "<prog>: <message>"
  if (!view.bus) return { stdout: '', stderr: 'lszcrypt: Crypto device driver not available.\n', exitCode: 1 };
  if (view.cards.length === 0) return { stdout: '', stderr: 'lszcrypt: No crypto card devices found.\n', exitCode: 1 };
  const columns = verbose ? [...DEFAULT_COLUMNS, ...VERBOSE_COLUMNS] : DEFAULT_COLUMNS;
  let out = header(columns);
  const cards = [...view.cards].sort((a, b) => a.apid - b.apid);
  for (const card of cards) {
    const base = {
      type: card.type,
      mode: apModeName(card.functions),
      status: status(card),
      requests: card.deconfigured ? '-' : String(card.requests ?? 0),
      pending: card.deconfigured ? '-' : '0',
      hwtype: String(card.hwtype),
      // "%02d" of the depth, as the host's lszcrypt (src/manage/lszcrypt.ts) prints it
      depth: String(card.depth).padStart(2, '0'),
      facility: apFunctionLetters(card.functions),
    };
    const cardId = card.apid.toString(16).padStart(2, '0');
    out += row(columns, { ...base, card: cardId, driver: 'cex4card' });
    for (const apqi of [...card.queues].sort((a, b) => a - b)) {
      const st = status(card, apqi);
      const deconfig = st === 'deconfig';
      out += row(columns, {
        ...base,
        status: st,
        requests: deconfig ? '-' : String(card.queueRequests?.[apqi] ?? 0),
        pending: deconfig ? '-' : '0',
        card: `${cardId}.${apqi.toString(16).padStart(4, '0')}`,
        driver: 'cex4queue',
      });
    }
  }
  return { stdout: out, stderr: '', exitCode: 0 };
}
