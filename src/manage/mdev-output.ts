// Where an mdev verb's output goes: stdout and stderr text as mdevctl prints them, and its
// warnings as env_logger's default format renders them (`[<UTC time> WARN  <target>] …`).

export class MdevOutput {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  out(text: string): void {
    this.stdout.push(text);
  }

  err(text: string): void {
    this.stderr.push(text);
  }

  /** A `warn!` line; the target names vfioctl where mdevctl's names its module. */
  warn(message: string): void {
    const ts = this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.stderr.push(`[${ts} WARN  vfioctl] ${message}\n`);
  }
}
