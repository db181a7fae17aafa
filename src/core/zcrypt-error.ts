// Error replies of the crypto adapters (drivers/s390/crypto/zcrypt_error.h): the type 82
// and 88 error header, the reply codes, and the errno zcrypt makes of them (convert_error).

export const TYPE82_RSP_CODE = 0x82;
export const TYPE88_RSP_CODE = 0x88;
/** sizeof(struct error_hdr). */
export const ERROR_HDR_SIZE = 8;

export const REP82_ERROR_MACHINE_FAILURE = 0x10;
export const REP82_ERROR_MESSAGE_TYPE = 0x20;
export const REP82_ERROR_INVALID_MSG_LEN = 0x23;
export const REP82_ERROR_RESERVD_FIELD = 0x24;
export const REP82_ERROR_FORMAT_FIELD = 0x29;
export const REP82_ERROR_INVALID_COMMAND = 0x30;
export const REP82_ERROR_MALFORMED_MSG = 0x40;
export const REP82_ERROR_MESSAGE_LENGTH = 0x80;
export const REP82_ERROR_OPERAND_INVALID = 0x82;
export const REP82_ERROR_OPERAND_SIZE = 0x84;
export const REP82_ERROR_EVEN_MOD_IN_OPND = 0x85;
export const REP82_ERROR_TRANSPORT_FAIL = 0x90;

/** struct error_hdr: reserved, type, reserved[2], reply code, reserved[3]. */
export function encodeErrorReply(replyCode: number, type = TYPE82_RSP_CODE): Uint8Array {
  const b = new Uint8Array(ERROR_HDR_SIZE);
  b[1] = type;
  b[4] = replyCode;
  return b;
}

/** Reply codes convert_error turns into EINVAL ("RY indicates malformed request"); all others are EAGAIN. */
const EINVAL_CODES = new Set([0x23, 0x24, 0x29, 0x40, 0x41, 0x80, 0x82, 0x84, 0x85, 0x8a, 0x8b, 0xa0, 0x22, 0x34]);

/** models convert_error: EINVAL for a malformed request, EAGAIN (retry) for everything else. */
export function convertErrorCode(replyCode: number): 'EINVAL' | 'EAGAIN' {
  return EINVAL_CODES.has(replyCode) ? 'EINVAL' : 'EAGAIN';
}

/** What zcrypt makes of a reply: the result bytes, or an errno (and whether the queue went offline). */
export type ReplyOutcome = { ok: true; data: Uint8Array } | { ok: false; errno: 'EINVAL' | 'EAGAIN' | 'EMSGSIZE'; offline?: boolean };
