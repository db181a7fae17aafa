// s390-tools' util_rec "wide" table format (libutil/util_rec.c), which lszcrypt prints:
// every column padded to its width (the last one too), one space between columns, and a
// separator line as wide as the sum of the widths plus the spaces.

export interface RecColumn<K extends string = string> {
  key: K;
  header: string;
  width: number;
  align: 'left' | 'right';
}

/** printf's %-*s / %*s: pads to the width, never truncates. */
function pad(text: string, width: number, align: 'left' | 'right'): string {
  return align === 'left' ? text.padEnd(width, ' ') : text.padStart(width, ' ');
}

/** The header line and the '-' separator line, each ending in a newline. */
export function recHeader(columns: readonly RecColumn[]): string {
  const header = columns.map((c) => pad(c.header, c.width, c.align)).join(' ');
  const width = columns.reduce((sum, c) => sum + c.width, 0) + columns.length - 1;
  return `${header}\n${'-'.repeat(width)}\n`;
}

export function recRow<K extends string>(columns: readonly RecColumn<K>[], values: Readonly<Record<K, string>>): string {
  return `${columns.map((c) => pad(values[c.key], c.width, c.align)).join(' ')}\n`;
}
