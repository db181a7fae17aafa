// AP ids as libap and chzdev read them: strtol(…, 0) — decimal, 0x hex or 0 octal — within 0..255.

/** One id, or undefined when the text is not a number in 0..255. */
export function parseId(text: string): number | undefined {
  const t = text.trim();
  let m: RegExpExecArray | null;
  let v: number;
  if ((m = /^0[xX]([0-9a-fA-F]+)$/.exec(t))) v = parseInt(m[1]!, 16);
  else if (/^0[0-7]*$/.test(t)) v = parseInt(t, 8);
  else if (/^[1-9][0-9]*$/.test(t)) v = parseInt(t, 10);
  else return undefined;
  return v >= 0 && v <= 255 ? v : undefined;
}
