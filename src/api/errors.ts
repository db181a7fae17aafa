// Failures a user of the API should see as one sentence (no stack): a missing or unreadable
// state, a refused request. Front ends print them their own way (the CLI: `vfioctl: …`).

export class ApiError extends Error {
  constructor(
    message: string,
    /** The exit status a command-line front end gives this failure. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
