// A --jsonfile (on the user's filesystem, not under the root): read and parsed as mdevctl
// does, with its messages. 1.2.0's define and start say "Unable to read jsonfile" for any
// read failure; 1.3's dev_from_jsonfile (modify --jsonfile) opens the file first and says
// "Unable to read file" when that fails.

import { osError } from './os-error.js';
import type { MdevContext } from './mdev-context.js';
import { configFromJson, MdevctlError, type MdevConfig } from './mdev-config.js';
import { INVALID_UTF8, isValidUtf8, parseSerdeJson, SerdeJsonError, type JsonValue } from './serde-json.js';

export type JsonFileFlavour = '1.2' | '1.3';

/** fs::read_to_string then serde_json::from_str: the file's JSON, or mdevctl's error. */
export function readJsonFile(ctx: MdevContext, path: string, flavour: JsonFileFlavour): JsonValue {
  let bytes: Uint8Array;
  try {
    bytes = ctx.readFile(path);
  } catch (e) {
    // 1.3 opens first: only a read of what opened (a directory) is a jsonfile failure
    const opened = (e as NodeJS.ErrnoException).code === 'EISDIR';
    throw new MdevctlError(`${flavour === '1.3' && !opened ? 'Unable to read file' : 'Unable to read jsonfile'} ${JSON.stringify(path)}`, osError(e));
  }
  if (!isValidUtf8(bytes)) throw new MdevctlError(`Unable to read jsonfile ${JSON.stringify(path)}`, INVALID_UTF8);
  try {
    return parseSerdeJson(bytes);
  } catch (e) {
    if (e instanceof SerdeJsonError) throw new MdevctlError(e.message);
    throw e;
  }
}

/** The config a --jsonfile holds (read, parsed, then MDev::load_from_json). */
export function configFromFile(ctx: MdevContext, path: string, flavour: JsonFileFlavour): MdevConfig {
  return configFromJson(readJsonFile(ctx, path, flavour));
}
