// Boots a twin kernel from a HostSpec: the generic kernel (sysfs/devfs, the log, module
// parameters and /proc/cmdline, VFIO, KVM, processes, the trace) plus the parts the spec's
// architecture has (kernel/arch/): the AP bus and vfio_ap on s390x, the platform bus and
// vfio-platform on ARM.

import { archDef } from './arch/index.js';
import type { HostPart, HostServices } from './host-part.js';
import type { HostSpec, Profile } from './host-spec.js';
import type { KernelContext } from './kernel-context.js';
import { KernelTrace } from './kernel-trace.js';
import { KvmRegistry, KvmVmFile, type KvmRegistrySnapshot } from './kvm/kvm-registry.js';
import type { Kvm } from './kvm/kvm.js';
import { ModuleParams } from './module-params.js';
import { KernelLog, type LogEntry } from './printk.js';
import { migrateSnapshot } from './snapshot-migrate.js';
import { VfioCore, type VfioSnapshot } from './vfio/vfio-core.js';
import { VfioFiles } from './vfio/vfio-files.js';
import { VFIO_DEAD_GROUP_CHECKPOINT_KIND } from './vfio/vfio-group.js';
import { EVENTFD_CHECKPOINT_KIND, EventFd } from './vfs/eventfd.js';
import { CheckpointRefs, Attr, type DeviceFile } from './vfs/node.js';
import { Process, type FdCheckpoint, type MappingCheckpoint } from './vfs/process.js';
import { Vfs } from './vfs/vfs.js';

export const SNAPSHOT_VERSION = 2;

export interface HostSnapshot {
  version: typeof SNAPSHOT_VERSION;
  spec: HostSpec;
  bootEpochMs: number;
  /** Each part's section, by its key (`ap` on s390x, `platform` on ARM). */
  parts: Record<string, unknown>;
  /** Module parameters as they are now. */
  params?: Record<string, boolean | number>;
  log: LogEntry[];
  /**
   * Running VMs: KVM objects with their arch state, VFIO group/container state, what the
   * parts keep of VMs, and the processes (QEMUs) with their open VFIO/KVM/eventfd files and
   * mappings, restored at the same fd numbers and addresses (checkpoint/restore).
   */
  vms?: VmStateSnapshot;
}

export interface VmStateSnapshot {
  kvm: KvmRegistrySnapshot;
  vfio: VfioSnapshot;
  parts: Record<string, unknown>;
  eventfds: { id: number; count: string; flags: number }[];
  processes: { pid: number; comm: string; fds: FdCheckpoint[]; mappings?: MappingCheckpoint[] }[];
}

export interface HostOptions {
  /** Wall clock in ms since the epoch; the kernel's uptime is measured from boot with it. */
  now?: () => number;
}

export class Host implements HostServices {
  readonly vfs = new Vfs();
  readonly log: KernelLog;
  readonly ctx: KernelContext;
  readonly params: ModuleParams;
  readonly vfio: VfioCore;
  readonly vfioFiles: VfioFiles;
  /** The VMs (struct kvm) and /dev/kvm (absent when the host has no KVM). */
  readonly kvms: KvmRegistry;
  /** What the VFIO core and KVM did, in order (not part of the snapshot). */
  readonly trace = new KernelTrace();
  /** Live user-space processes by pid (each QEMU is one); a process leaves at exit(). */
  readonly processes = new Map<number, Process>();
  /** The architecture's parts (kernel/arch/). */
  readonly parts: readonly HostPart[];
  private nextPid = 1000;

  private constructor(
    readonly spec: HostSpec,
    readonly bootEpochMs: number,
    now: () => number,
    saved?: Readonly<Record<string, unknown>>,
  ) {
    this.log = new KernelLog(() => (now() - bootEpochMs) * 1000);
    this.ctx = { vfs: this.vfs, log: this.log, profile: spec.profile };
    this.params = new ModuleParams(this.ctx);
    // models proc_cmdline_show: the command line the boot loader gave
    this.vfs.attach('/proc/cmdline', Attr.ro(() => `${spec.cmdline}\n`));
    this.vfio = new VfioCore(this.ctx);
    this.vfioFiles = new VfioFiles(this.vfio);
    this.vfio.files = this.vfioFiles;
    this.vfio.sink = (event, id, detail) => this.trace.record('vfio', event, id, detail);
    const arch = archDef(spec.arch);
    this.kvms = new KvmRegistry(arch.kvm(spec), this.vfs);
    this.kvms.sink = (event, id, detail) => this.trace.record('kvm', event, id, detail);
    this.parts = arch.parts(this, saved);
  }

  get profile(): Profile {
    return this.spec.profile;
  }

  static boot(spec: HostSpec, opts: HostOptions = {}): Host {
    const now = opts.now ?? Date.now;
    const host = new Host(spec, now(), now);
    if (spec.cmdline) host.log.printk(`Kernel command line: ${spec.cmdline}`);
    host.params.applyCmdline(spec.cmdline);
    for (const part of host.parts) part.boot();
    return host;
  }

  /** Rebuilds a twin from its snapshot (version-1 states are migrated first). */
  static restore(input: unknown, opts: HostOptions = {}): Host {
    const snap = migrateSnapshot(input);
    const host = new Host(snap.spec, snap.bootEpochMs, opts.now ?? Date.now, snap.parts);
    host.params.applyCmdline(snap.spec.cmdline);
    host.params.restore(snap.params);
    for (const part of host.parts) part.restore(snap.parts[part.key]);
    if (snap.vms) host.restoreVms(snap.vms);
    // rebuilding is not an event: the kernel log is the one the snapshot kept
    host.log.entries.length = 0;
    host.log.entries.push(...snap.log);
    return host;
  }

  /**
   * Rebuilds VMs, VFIO state, the parts' VM state and the processes' files without
   * replaying any open or ioctl: no CRYCB is rewritten, no eventfd signalled, nothing
   * logged. The VMM adopts its processes (host.processes.get(pid)) and re-registers its
   * eventfd read handlers (setReadHandler), which are code, not state.
   */
  private restoreVms(s: VmStateSnapshot): void {
    this.nextPid = Math.max(this.nextPid, ...s.processes.map((p) => p.pid + 1));
    const eventfds = new Map(s.eventfds.map((e) => [e.id, new EventFd(BigInt(e.count), e.flags)]));
    const eventfd = (id: number): EventFd | undefined => eventfds.get(id);
    this.kvms.restore(s.kvm, eventfd);
    const containers = this.vfio.restore(s.vfio, (id) => this.kvms.get(id));
    this.kvms.restoreKvmVfio(s.kvm, (id) => this.vfio.groups.get(id));
    const lookups = { kvm: (id: number) => this.kvms.get(id), eventfd };
    for (const part of this.parts) if (s.parts[part.key] !== undefined) part.restoreVmState?.(s.parts[part.key], lookups);
    for (const saved of s.processes) {
      const p = this.newProcess(saved.pid, saved.comm);
      const byRef = new Map<number, DeviceFile>();
      const rebuild = (ckpt: FdCheckpoint['file']): DeviceFile => {
        let file: DeviceFile | undefined = this.vfioFiles.restoreFile(ckpt, containers) ?? this.kvms.restoreFile(ckpt);
        if (!file && ckpt.kind === EVENTFD_CHECKPOINT_KIND) file = eventfds.get(ckpt.id)?.file();
        if (!file) throw new Error(`cannot restore a file of process ${saved.pid}: unknown file kind '${ckpt.kind}'`);
        return file;
      };
      for (const f of saved.fds) {
        if (f.file.kind === VFIO_DEAD_GROUP_CHECKPOINT_KIND) continue;
        const file = rebuild(f.file);
        if (f.ref !== undefined) byRef.set(f.ref, file);
        p.restoreFd(f.fd, f.flags, file);
      }
      for (const m of saved.mappings ?? []) {
        let file = byRef.get(m.ref);
        if (!file) byRef.set(m.ref, (file = rebuild(m.file)));
        p.memory.restore(m, file);
      }
    }
    // the trace shows what happened in this run, not the rebuild
    this.trace.clear();
  }

  private snapshotVms(): VmStateSnapshot {
    const refs = new CheckpointRefs();
    const processes = [...this.processes.values()]
      .sort((a, b) => a.pid - b.pid)
      .map((p) => {
        const fds = p.checkpointFds(refs);
        const mappings = p.checkpointMappings(refs);
        return { pid: p.pid, comm: p.comm, fds, ...(mappings.length ? { mappings } : {}) };
      })
      .filter((p) => p.fds.length > 0 || p.mappings);
    const parts: Record<string, unknown> = {};
    for (const part of this.parts) if (part.snapshotVmState) parts[part.key] = part.snapshotVmState(refs);
    const vfio = this.vfio.snapshot(refs, (kvm) => kvm.id);
    const kvm = this.kvms.snapshot(refs);
    const eventfds = refs.of(EventFd).map(({ id, obj }) => ({ id, count: obj.count.toString(), flags: obj.flags }));
    return { kvm, vfio, parts, eventfds, processes };
  }

  /** The twin's state as JSON-ready data; equal snapshots mean equal twins. */
  snapshot(): HostSnapshot {
    const parts: Record<string, unknown> = {};
    for (const part of this.parts) parts[part.key] = part.snapshot();
    return {
      version: SNAPSHOT_VERSION,
      spec: this.spec,
      bootEpochMs: this.bootEpochMs,
      parts,
      params: this.params.snapshot(),
      log: this.log.entries.map((e) => ({ ...e })),
      vms: this.snapshotVms(),
    };
  }

  /** The VM behind a process's VM fd (for tools that show a running guest, e.g. its CRYCB). */
  kvmOf(pid: number, vmFd: number): Kvm | undefined {
    const p = this.processes.get(pid);
    if (!p || !p.openFds().includes(vmFd)) return undefined;
    const file = p.fileAt(vmFd);
    return file instanceof KvmVmFile ? file.kvm : undefined;
  }

  /** A new user-space process with its own file table (comm as `ps` shows it, e.g. qemu-system-s390x). */
  process(comm?: string): Process {
    return this.newProcess(this.nextPid++, comm);
  }

  private newProcess(pid: number, comm?: string): Process {
    const p = new Process(this.vfs, pid, comm, (gone) => this.processes.delete(gone.pid));
    this.processes.set(pid, p);
    return p;
  }
}
