// State files from before the architecture seam (snapshot version 1: an s390x twin whose
// LPAR, AP bus and vfio_ap state sat at the top) are read as version 2 (each part in
// `parts`), so existing users' state files keep loading.

import type { HostSnapshot } from './host.js';
import type { HostSpec } from './host-spec.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Version 1 → 2: `lpar`, `ap` and `vfioAp` become `parts.ap`; the VMs' vfio_ap attachments `vms.parts.ap`. */
function fromV1(v1: Json): HostSnapshot {
  const { version: _version, lpar, ap, vfioAp, vms, spec, ...rest } = v1;
  const out: Json = {
    ...rest,
    version: 2,
    // a version-1 spec is an s390x spec without a command line
    spec: { arch: 's390x', profile: 'modern', cmdline: '', ...(spec as Json) } as HostSpec,
    parts: { ap: { lpar, ap, vfioAp } },
  };
  if (isObject(vms)) {
    const { attachments, ...vmRest } = vms;
    out['vms'] = { ...vmRest, parts: { ap: attachments ?? [] } };
  }
  return out as unknown as HostSnapshot;
}

/** The snapshot in the current version; an unknown version is refused. */
export function migrateSnapshot(input: unknown): HostSnapshot {
  if (!isObject(input)) throw new Error('twin state is not an object');
  if (input['version'] === 1) return fromV1(input);
  if (input['version'] !== 2) throw new Error(`unsupported twin state version ${String(input['version'])}`);
  return input as unknown as HostSnapshot;
}
