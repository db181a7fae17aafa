// Built-in modules loaded the first time they are used: a command that only reads never
// pays for OpenSSL's bindings (node:crypto) or for the process machinery of
// node:child_process (net, dgram, streams) on its start.

let crypto: typeof import('node:crypto') | undefined;
let childProcess: typeof import('node:child_process') | undefined;

export function nodeCrypto(): typeof import('node:crypto') {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto;
}

export function nodeChildProcess(): typeof import('node:child_process') {
  childProcess ??= process.getBuiltinModule('node:child_process');
  return childProcess;
}
