// Errors of QEMU's option layer, each carrying the exact text QEMU prints, because
// users compare our output with a real qemu-system-s390x line for line.

/** What went wrong, so callers can branch without matching message text. */
export type QemuOptsErrorKind =
  | 'invalid-parameter'
  | 'invalid-parameter-value'
  | 'value-too-large'
  | 'value-out-of-range'
  | 'duplicate-id'
  | 'expected-equals'
  | 'used-inconsistently'
  | 'parameter-missing'
  | 'parameter-too-long'
  | 'help-not-available'
  | 'cpu-option-empty'
  | 'cpu-model-not-found'
  | 'cpu-expected-key-value'
  | 'invalid-option'
  | 'requires-argument'
  | 'option-not-supported';

/** An error_setg() result: the message line plus an optional hint (error_append_hint) text. */
export class QemuOptsError extends Error {
  override readonly name = 'QemuOptsError';

  constructor(
    readonly kind: QemuOptsErrorKind,
    /** The exact message, without program name or location prefix. */
    readonly qemuMessage: string,
    /** Hint text printed verbatim after the message line; ends with "\n" when present. */
    readonly hint?: string,
  ) {
    super(qemuMessage);
  }
}

/** models QERR_INVALID_PARAMETER. */
export function invalidParameter(name: string): QemuOptsError {
  return new QemuOptsError('invalid-parameter', `Invalid parameter '${name}'`);
}

/** models QERR_INVALID_PARAMETER_VALUE ("Parameter '%s' expects %s"). */
export function invalidParameterValue(name: string, expected: string, hint?: string): QemuOptsError {
  return new QemuOptsError('invalid-parameter-value', `Parameter '${name}' expects ${expected}`, hint);
}

/** models QERR_MISSING_PARAMETER. */
export function missingParameter(name: string): QemuOptsError {
  return new QemuOptsError('parameter-missing', `Parameter '${name}' is missing`);
}

/** A warn_report() line plus the error_printf() text that may follow it. */
export interface QemuWarning {
  readonly message: string;
  /** Printed verbatim after the warning line; ends with "\n" when present. */
  readonly hint?: string;
}

/** Where parsers hand their warnings; QEMU prints them before any error of the same option. */
export type WarningSink = (warning: QemuWarning) => void;
