// The seam between the generic kernel (host.ts) and what an architecture adds to it: a
// host is a set of parts (buses, drivers and their firmware: the s390 AP bus with zcrypt
// and vfio_ap; the ARM platform bus with its device tree and vfio-platform), each with
// its own boot, snapshot and restore.

import type { HostSpec } from './host-spec.js';
import type { KernelContext } from './kernel-context.js';
import type { KernelTrace } from './kernel-trace.js';
import type { KvmArchType } from './kvm/kvm-arch.js';
import type { Kvm } from './kvm/kvm.js';
import type { KvmRegistry } from './kvm/kvm-registry.js';
import type { ModuleParams } from './module-params.js';
import type { VfioCore } from './vfio/vfio-core.js';
import type { EventFd } from './vfs/eventfd.js';
import type { CheckpointRefs } from './vfs/node.js';

/** What every part may use of the generic kernel. */
export interface HostServices {
  readonly spec: HostSpec;
  readonly ctx: KernelContext;
  readonly vfio: VfioCore;
  readonly kvms: KvmRegistry;
  readonly params: ModuleParams;
  readonly trace: KernelTrace;
}

/** What a part needs to relink running VMs' state at restore. */
export interface VmStateLookups {
  kvm(id: number): Kvm | undefined;
  eventfd(id: number): EventFd | undefined;
}

export interface HostPart {
  /** The part's section in a snapshot (`parts.<key>`). */
  readonly key: string;
  /** Boots the part after the command line set the module parameters: scans, probes. */
  boot(): void;
  /** The part's state (JSON-ready). */
  snapshot(): unknown;
  /** Rebuilds the part from its section, instead of booting it (nothing is logged or probed). */
  restore(saved: unknown): void;
  /** What the part keeps of running VMs (checkpoint references shared with the fd tables). */
  snapshotVmState?(refs: CheckpointRefs): unknown;
  /** Relinks that state once KVM, VFIO and the eventfds are back. */
  restoreVmState?(saved: unknown, lookups: VmStateLookups): void;
}

/** One architecture: its KVM (none on 32-bit ARM after Linux 5.7) and its parts. */
export interface ArchDef {
  kvm(spec: HostSpec): KvmArchType | undefined;
  /** The parts, built from the spec (boot) or around their snapshot sections (restore). */
  parts(host: HostServices, saved: Readonly<Record<string, unknown>> | undefined): HostPart[];
}

/** The host's part of one kind, if its architecture has one. */
export function findPart<P extends HostPart>(host: { readonly parts: readonly HostPart[] }, kind: abstract new (...args: never[]) => P): P | undefined {
  return host.parts.find((p): p is P => p instanceof kind);
}
