// The kernel log ring: what `dmesg` prints. Messages carry the uptime at which they
// were logged; dev_* helpers add the "<driver> <device>: " prefix the driver core uses.

export interface LogEntry {
  /** Microseconds since boot. */
  usec: number;
  text: string;
}

export type UptimeClock = () => number;

export class KernelLog {
  readonly entries: LogEntry[] = [];

  constructor(private readonly uptimeUsec: UptimeClock) {}

  printk(text: string): void {
    this.entries.push({ usec: Math.max(0, Math.floor(this.uptimeUsec())), text });
  }

  /** models dev_err/dev_warn/dev_info: "<driver name> <device name>: <text>". */
  dev(driver: string, device: string, text: string): void {
    this.printk(`${driver} ${device}: ${text}`);
  }

  /** One line per message, as dmesg prints them: `[%5lu.%06lu] text`. */
  format(): string {
    return this.entries.map((e) => `${formatTimestamp(e.usec)} ${e.text}\n`).join('');
  }
}

export function formatTimestamp(usec: number): string {
  const sec = Math.floor(usec / 1_000_000);
  const frac = String(usec % 1_000_000).padStart(6, '0');
  return `[${String(sec).padStart(5, ' ')}.${frac}]`;
}
