// How QEMU prints errors and warnings on stderr: program name, the command-line
// location (the option and its argument as typed), then the message and any hint.

import type { QemuOptsError, QemuWarning } from './qemu-error.js';

/** The program name QEMU prints: the basename of argv[0]. */
export const DEFAULT_PROGNAME = 'qemu-system-s390x';

/** models Location: none, or LOC_CMDLINE with the argv words of one option (1 or 2 words). */
export type QemuLocation =
  | { readonly kind: 'none' }
  | { readonly kind: 'cmdline'; readonly words: readonly string[] };

export const NO_LOCATION: QemuLocation = { kind: 'none' };

/** models error_init: the basename of argv[0]. */
export function prognameFromArgv0(argv0: string): string {
  const slash = argv0.lastIndexOf('/');
  return slash < 0 ? argv0 : argv0.slice(slash + 1);
}

/** models error_print_loc: "<progname>: " then "<word> <word>: " for a command-line location. */
export function formatLocationPrefix(progname: string, loc: QemuLocation): string {
  const where = loc.kind === 'cmdline' ? `${loc.words.join(' ')}: ` : '';
  return `${progname}: ${where}`;
}

/** One line (plus hint) that QEMU writes to stderr. */
export interface QemuDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly location: QemuLocation;
  readonly message: string;
  readonly hint?: string;
}

export function errorDiagnostic(error: QemuOptsError, location: QemuLocation): QemuDiagnostic {
  return error.hint === undefined
    ? { severity: 'error', location, message: error.qemuMessage }
    : { severity: 'error', location, message: error.qemuMessage, hint: error.hint };
}

export function warningDiagnostic(warning: QemuWarning, location: QemuLocation): QemuDiagnostic {
  return warning.hint === undefined
    ? { severity: 'warning', location, message: warning.message }
    : { severity: 'warning', location, message: warning.message, hint: warning.hint };
}

/** models error_report / warn_report followed by error_printf of the hint: the exact stderr bytes. */
export function formatDiagnostic(progname: string, d: QemuDiagnostic): string {
  const severity = d.severity === 'warning' ? 'warning: ' : '';
  return `${formatLocationPrefix(progname, d.location)}${severity}${d.message}\n${d.hint ?? ''}`;
}

export function formatDiagnostics(progname: string, diagnostics: readonly QemuDiagnostic[]): string {
  return diagnostics.map((d) => formatDiagnostic(progname, d)).join('');
}
