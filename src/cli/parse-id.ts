// Adapter and domain ids on the command line: decimal or 0x hex, nothing else.

/** The id's value, or undefined when the text is not a plain decimal or 0x-hex number. */
export function parseId(text: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^[0-9]+$/.test(text)) return parseInt(text, 10);
  return undefined;
}
