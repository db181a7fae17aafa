// Options every command that works on the stored twin receives.

export interface StateOptions {
  /** Absolute path of the twin's state file. */
  state: string;
}

export interface PathOptions extends StateOptions {
  path: string;
}
