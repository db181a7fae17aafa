// `vfioctl host config add|remove adapter|domain|control-domain ID [--type CEXnX]`: the
// LPAR's configuration changes, then the AP bus rescans (spec vfio-ap §4.5).

import { findAp, HostConfigError, type ConfigResource } from '../../kernel/ap/ap-subsystem.js';
import { CliError, guard } from '../cli-error.js';
import type { Io } from '../io.js';
import { parseId } from '../parse-id.js';
import { StateStore } from '../../api/state-store.js';
import type { StateOptions } from './options.js';

export interface HostConfigOptions extends StateOptions {
  op: string;
  resource: string;
  id: string;
  /** Card type of an added adapter, e.g. CEX7C (the kernel's default when absent). */
  type?: string;
}

const RESOURCES: readonly ConfigResource[] = ['adapter', 'domain', 'control-domain'];

function fail(message: string): never {
  throw new CliError(`host config: ${message}`);
}

export function hostConfig(opts: HostConfigOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const op = opts.op;
    if (op !== 'add' && op !== 'remove') fail(`unknown operation '${op}' (expected add or remove)`);
    const resource = RESOURCES.find((r) => r === opts.resource);
    if (!resource) fail(`unknown resource '${opts.resource}' (expected adapter, domain or control-domain)`);
    const id = parseId(opts.id);
    if (id === undefined) fail(`invalid ID '${opts.id}' (expected a decimal or 0x-hex number)`);
    if (opts.type !== undefined && (resource !== 'adapter' || op !== 'add')) fail('--type applies only to adding an adapter');
    await new StateStore(opts.state).update((host) => {
      const ap = findAp(host);
      if (!ap) fail(`an ${host.spec.arch} host has no LPAR AP configuration (its devices come from its HostSpec)`);
      try {
        ap.configChange(op, resource, id, opts.type);
      } catch (e) {
        if (e instanceof HostConfigError) fail(e.message);
        throw e;
      }
    });
    return 0;
  });
}
