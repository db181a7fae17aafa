// `vfioctl host eeh inject BDF [--type 32|64] [--func N]` freezes the function's PE as an
// error would (what the debugfs err_injct file does on PowerNV: opal_pci_err_inject);
// `vfioctl host eeh state BDF` prints `BDF PE#N state=S (NAME)`, the PE number as the
// kernel prints it (hex) and eeh_pe_get_state's result with its EEH_PE_STATE_* name.

import { EEH_PE_STATE_NAMES } from '../../core/vfio-spapr-uapi.js';
import { isKernelError } from '../../core/errno.js';
import { StateStore } from '../../api/state-store.js';
import type { Host } from '../../kernel/host.js';
import type { PciDevice } from '../../kernel/pci/pci-device.js';
import { findPci } from '../../kernel/pci/pci-subsystem.js';
import { CliError, guard } from '../cli-error.js';
import type { Io } from '../io.js';
import { parseId } from '../parse-id.js';
import type { StateOptions } from './options.js';

export interface HostEehOptions extends StateOptions {
  op: string;
  bdf: string;
  type?: string;
  func?: string;
}

function fail(message: string): never {
  throw new CliError(`host eeh: ${message}`);
}

/** The function a BDF names ("0000:01:00.0", or "01:00.0" in domain 0), with its PE. */
function functionOf(host: Host, bdf: string): PciDevice & { pe: NonNullable<PciDevice['pe']> } {
  const pci = findPci(host);
  if (!pci) fail(`the twin is not a POWER host (arch ${host.spec.arch})`);
  const name = /^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(bdf) ? `0000:${bdf}` : bdf;
  const dev = pci.device(name.toLowerCase());
  if (!dev) fail(`no PCI function ${bdf}`);
  if (!dev.pe) fail(`${dev.name} is in no EEH PE`);
  return dev as PciDevice & { pe: NonNullable<PciDevice['pe']> };
}

export function hostEeh(opts: HostEehOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const store = new StateStore(opts.state);
    if (opts.op === 'state') {
      if (opts.type !== undefined || opts.func !== undefined) fail('--type and --func apply only to inject');
      const dev = functionOf(await store.load(), opts.bdf);
      const s = dev.pe.getState();
      io.stdout.write(`${dev.name} PE#${dev.pe.addr.toString(16)} state=${s} (${EEH_PE_STATE_NAMES[s] ?? 'unknown'})\n`);
      return 0;
    }
    if (opts.op !== 'inject') fail(`unknown operation '${opts.op}' (expected inject or state)`);
    const type = opts.type === undefined || opts.type === '32' ? 0 : opts.type === '64' ? 1 : fail(`invalid --type '${opts.type}' (expected 32 or 64)`);
    const func = opts.func === undefined ? 0 : parseId(opts.func);
    if (func === undefined) fail(`invalid --func '${opts.func}' (expected 0..19)`);
    await store.update((host) => {
      try {
        functionOf(host, opts.bdf).pe.injectError(type, func);
      } catch (e) {
        if (isKernelError(e)) fail(`injecting into ${opts.bdf} failed: ${e.message}`);
        throw e;
      }
    });
    return 0;
  });
}
