// The facility bits of an AP queue's ap_functions (TAPQ GR2, ap_bus.h AP_FUNC_*) and how
// lszcrypt reads them (zconf/zcrypt/lszcrypt.c): the MODE column and the FUNCTIONS letters.

export const AP_FUNC_APSC = 0x8000_0000;
export const AP_FUNC_MEX4K = 0x4000_0000;
export const AP_FUNC_CRT4K = 0x2000_0000;
export const AP_FUNC_COPRO = 0x1000_0000;
export const AP_FUNC_ACCEL = 0x0800_0000;
export const AP_FUNC_EP11 = 0x0400_0000;
export const AP_FUNC_APXA = 0x0200_0000;
export const AP_FUNC_FULL_NATIVE = 0x0080_0000;

// lszcrypt's fac_bits: one letter per bit from 0x80000000 down to 0x00400000.
const FAC_BITS: readonly [number, string][] = [
  [0x8000_0000, 'S'],
  [0x4000_0000, 'M'],
  [0x2000_0000, 'C'],
  [0x1000_0000, 'D'],
  [0x0800_0000, 'A'],
  [0x0400_0000, 'X'],
  [0x0200_0000, 'N'],
  [0x0100_0000, 'H'],
  [0x0080_0000, 'F'],
  [0x0040_0000, 'R'],
];

/** The FUNCTIONS column, e.g. `S--D--N-F-` for a CCA coprocessor. */
export function apFunctionLetters(functions: number): string {
  return FAC_BITS.map(([mask, c]) => (functions & mask ? c : '-')).join('');
}

/** The MODE column: the first of coprocessor, accelerator, EP11 that the bits name. */
export function apModeName(functions: number): string {
  if (functions & AP_FUNC_COPRO) return 'CCA-Coproc';
  if (functions & AP_FUNC_ACCEL) return 'Accelerator';
  if (functions & AP_FUNC_EP11) return 'EP11-Coproc';
  return 'Unknown';
}
