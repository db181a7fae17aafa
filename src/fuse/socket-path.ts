// Where a serving process listens for the commands of other vfioctl processes: next to the
// state file it serves. Kept free of node:net so every CLI start can check for it cheaply.

export function socketPath(state: string): string {
  return `${state}.sock`;
}

/** Set in the environment of commands a server runs: they must not forward again. */
export const SERVED_ENV = 'VFIOCTL_SERVED';
