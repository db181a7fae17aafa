// node:crypto, loaded the first time something is computed with it: a twin that only reads
// sysfs never pays for loading OpenSSL's bindings on its start.

import { createRequire as requireFrom } from 'node:module';

let crypto: typeof import('node:crypto') | undefined;

export function nodeCrypto(): typeof import('node:crypto') {
  crypto ??= requireFrom(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto;
}
