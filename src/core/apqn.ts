// AP identifiers and their sysfs spellings (drivers/s390/crypto/ap_bus.c names).

export const AP_DEVICES = 256;
export const AP_DOMAINS = 256;

/** An APQN packed as apid << 8 | apqi, for maps and sets. */
export type ApqnKey = number;

export function apqnKey(apid: number, apqi: number): ApqnKey {
  return (apid << 8) | apqi;
}

export function apidOf(key: ApqnKey): number {
  return key >>> 8;
}

export function apqiOf(key: ApqnKey): number {
  return key & 0xff;
}

/** `%02x.%04x`, e.g. 05.0047 (queue device name, matrix lines, log lines). */
export function apqnName(apid: number, apqi: number): string {
  return `${hex(apid, 2)}.${hex(apqi, 4)}`;
}

/** `card%02x`, e.g. card0a. */
export function cardName(apid: number): string {
  return `card${hex(apid, 2)}`;
}

export function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** Parses a queue device name `XX.YYYY` (as written to bind/unbind). */
export function parseApqnName(name: string): { apid: number; apqi: number } | undefined {
  const m = /^([0-9a-f]{2})\.([0-9a-f]{4})$/.exec(name);
  if (!m) return undefined;
  const apid = parseInt(m[1]!, 16);
  const apqi = parseInt(m[2]!, 16);
  return apqi < AP_DOMAINS ? { apid, apqi } : undefined;
}
