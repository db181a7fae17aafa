// UUIDs as the mdev core takes them (lib/uuid.c uuid_is_valid) and names devices (%pUl).

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const UUID_STRING_LEN = 36;

/** models uuid_is_valid: exactly 36 chars, dashes at 8/13/18/23, hex elsewhere, either case. */
export function isUuid(text: string): boolean {
  return text.length === UUID_STRING_LEN && UUID_RE.test(text);
}

/** The canonical (lowercase) device name of a valid UUID. */
export function canonicalUuid(text: string): string {
  if (!isUuid(text)) throw new Error(`not a UUID: ${text}`);
  return text.toLowerCase();
}
