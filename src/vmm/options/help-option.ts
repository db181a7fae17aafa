// The two spellings QEMU treats as a help request inside option strings.

/** models is_help_option (include/qemu/help_option.h): exactly "?" or "help". */
export function isHelpOption(s: string): boolean {
  return s === '?' || s === 'help';
}

/** models starts_with_help_option (keyval.c): length of a leading "?" or "help", else 0. */
export function startsWithHelpOption(s: string): number {
  if (s.startsWith('?')) return 1;
  if (s.startsWith('help')) return 4;
  return 0;
}
