// Boots a twin kernel from a HostSpec: the AP bus with zcrypt's drivers, the mdev core,
// VFIO and the vfio_ap driver, all publishing into one sysfs/devfs tree.

import { ApMask } from '../core/ap-mask.js';
import { ApBus, type ApBusSnapshot } from './ap/ap-bus.js';
import { ApSysfs } from './ap/ap-sysfs.js';
import { LparConfig } from './ap/qci.js';
import { CARD_TYPE_RE } from './ap/card-type.js';
import { Cex4CardDriver, Cex4QueueDriver } from './ap/zcrypt-drivers.js';
import type { HostSpec, Profile } from './host-spec.js';
import type { KernelContext } from './kernel-context.js';
import { MdevCore } from './mdev/mdev-core.js';
import { KernelLog, type LogEntry } from './printk.js';
import { KernelTrace } from './kernel-trace.js';
import { KvmRegistry, KvmVmFile, type Kvm, type KvmSnapshot } from './kvm/kvm.js';
import { restoreAttachments, snapshotAttachments, type VfioApAttachSnapshot } from './vfio-ap/vfio-ap-attach.js';
import { VfioAp, type VfioApSnapshot } from './vfio-ap/vfio-ap-driver.js';
import { VfioCore, type VfioSnapshot } from './vfio/vfio-core.js';
import { Z90Crypt } from './zcrypt/z90crypt.js';
import { VfioFiles } from './vfio/vfio-files.js';
import { VFIO_DEAD_GROUP_CHECKPOINT_KIND } from './vfio/vfio-group.js';
import { EVENTFD_CHECKPOINT_KIND, EventFd } from './vfs/eventfd.js';
import { CheckpointRefs, type DeviceFile } from './vfs/node.js';
import { Process, type FdCheckpoint } from './vfs/process.js';
import { Vfs } from './vfs/vfs.js';

export const SNAPSHOT_VERSION = 1;

export interface HostSnapshot {
  version: typeof SNAPSHOT_VERSION;
  spec: HostSpec;
  bootEpochMs: number;
  lpar: {
    qci: boolean;
    apxa: boolean;
    na: number;
    nd: number;
    adapters: { id: number; type: string }[];
    usage: string;
    control: string;
  };
  ap: ApBusSnapshot;
  vfioAp: VfioApSnapshot;
  log: LogEntry[];
  /**
   * Running VMs (absent in states saved before VMs existed): KVM objects with their CRYCB,
   * VFIO group/container state, mdev attachments, and the processes (QEMUs) with their
   * open VFIO/KVM/eventfd files, restored at the same fd numbers (checkpoint/restore).
   */
  vms?: VmStateSnapshot;
}

export interface VmStateSnapshot {
  kvm: { nextId: number; vms: KvmSnapshot[] };
  vfio: VfioSnapshot;
  attachments: VfioApAttachSnapshot[];
  eventfds: { id: number; count: string; flags: number }[];
  processes: { pid: number; comm: string; fds: FdCheckpoint[] }[];
}

export interface HostOptions {
  /** Wall clock in ms since the epoch; the kernel's uptime is measured from boot with it. */
  now?: () => number;
}

export type ConfigResource = 'adapter' | 'domain' | 'control-domain';

/** A refused change to the LPAR configuration (not a kernel errno: the hypervisor said no). */
export class HostConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostConfigError';
  }
}

export class Host {
  readonly vfs = new Vfs();
  readonly log: KernelLog;
  readonly ctx: KernelContext;
  readonly lpar: LparConfig;
  readonly bus: ApBus;
  readonly apSysfs: ApSysfs;
  readonly mdevCore: MdevCore;
  readonly vfio: VfioCore;
  readonly vfioFiles: VfioFiles;
  readonly vfioAp: VfioAp;
  /** zcrypt's /dev/z90crypt over the queues its drivers hold. */
  readonly zcrypt: Z90Crypt;
  /** The VMs (struct kvm) and /dev/kvm. */
  readonly kvms: KvmRegistry;
  /** What the VFIO core and KVM did, in order (not part of the snapshot). */
  readonly trace = new KernelTrace();
  /** Live user-space processes by pid (each QEMU is one); a process leaves at exit(). */
  readonly processes = new Map<number, Process>();
  private nextPid = 1000;

  private constructor(
    readonly spec: HostSpec,
    readonly bootEpochMs: number,
    lpar: LparConfig,
    now: () => number,
  ) {
    this.log = new KernelLog(() => (now() - bootEpochMs) * 1000);
    this.ctx = { vfs: this.vfs, log: this.log, profile: spec.profile };
    this.lpar = lpar;
    this.bus = new ApBus(this.ctx, lpar);
    this.apSysfs = new ApSysfs(this.vfs, this.bus, spec.profile === 'modern');
    this.apSysfs.publish();
    const cardDriver = new Cex4CardDriver((card) => [...this.bus.queues.values()].filter((q) => q.card === card));
    for (const drv of [cardDriver, new Cex4QueueDriver()]) {
      this.bus.registerDriver(drv);
      this.apSysfs.publishDriver(drv);
    }
    this.zcrypt = new Z90Crypt(this.vfs, this.bus);
    this.mdevCore = new MdevCore(this.ctx);
    this.vfio = new VfioCore(this.ctx);
    this.vfioFiles = new VfioFiles(this.vfio);
    this.vfio.files = this.vfioFiles;
    this.vfio.sink = (event, id, detail) => this.trace.record('vfio', event, id, detail);
    this.kvms = new KvmRegistry(KvmRegistry.defaultCaps(spec.qci, spec.apxa), this.vfs);
    this.kvms.sink = (event, id, detail) => this.trace.record('kvm', event, id, detail);
    this.vfioAp = new VfioAp(this.ctx, this.bus, this.mdevCore, this.vfio);
  }

  get profile(): Profile {
    return this.spec.profile;
  }

  static boot(spec: HostSpec, opts: HostOptions = {}): Host {
    const now = opts.now ?? Date.now;
    const host = new Host(spec, now(), LparConfig.fromSpec(spec), now);
    host.bus.scan();
    host.vfioAp.load(host.apSysfs);
    return host;
  }

  static restore(snap: HostSnapshot, opts: HostOptions = {}): Host {
    if (snap.version !== SNAPSHOT_VERSION) throw new Error(`unsupported twin state version ${String(snap.version)}`);
    const l = snap.lpar;
    const lpar = new LparConfig(
      l.qci,
      l.apxa,
      l.na,
      l.nd,
      new Map(l.adapters.map((a) => [a.id, a.type])),
      ApMask.fromHex(l.usage),
      ApMask.fromHex(l.control),
    );
    const host = new Host(snap.spec, snap.bootEpochMs, lpar, opts.now ?? Date.now);
    host.vfioAp.load(host.apSysfs);
    host.bus.restore(snap.ap);
    host.vfioAp.restore(snap.vfioAp);
    if (snap.vms) host.restoreVms(snap.vms);
    // rebuilding is not an event: the kernel log is the one the snapshot kept
    host.log.entries.length = 0;
    host.log.entries.push(...snap.log);
    return host;
  }

  /**
   * Rebuilds VMs, VFIO state, attachments and the processes' files without replaying any
   * open or ioctl: no CRYCB is rewritten, no eventfd signalled, nothing logged. The VMM
   * adopts its processes (host.processes.get(pid)) and re-registers its eventfd read
   * handlers (setReadHandler), which are code, not state.
   */
  private restoreVms(s: VmStateSnapshot): void {
    this.nextPid = Math.max(this.nextPid, ...s.processes.map((p) => p.pid + 1));
    this.kvms.restore(s.kvm);
    const eventfds = new Map(s.eventfds.map((e) => [e.id, new EventFd(BigInt(e.count), e.flags)]));
    const containers = this.vfio.restore(s.vfio, (id) => this.kvms.get(id));
    this.kvms.restoreKvmVfio(s.kvm, (id) => this.vfio.groups.get(id));
    restoreAttachments(this.vfioAp, s.attachments, (id) => this.kvms.get(id), (id) => eventfds.get(id));
    for (const saved of s.processes) {
      const p = this.newProcess(saved.pid, saved.comm);
      for (const f of saved.fds) {
        if (f.file.kind === VFIO_DEAD_GROUP_CHECKPOINT_KIND) continue;
        let file: DeviceFile | undefined = this.vfioFiles.restoreFile(f.file, containers) ?? this.kvms.restoreFile(f.file);
        if (!file && f.file.kind === EVENTFD_CHECKPOINT_KIND) file = eventfds.get(f.file.id)?.file();
        if (!file) throw new Error(`cannot restore fd ${f.fd} of process ${saved.pid}: unknown file kind '${f.file.kind}'`);
        p.restoreFd(f.fd, f.flags, file);
      }
    }
    // the trace shows what happened in this run, not the rebuild
    this.trace.clear();
  }

  private snapshotVms(): VmStateSnapshot {
    const refs = new CheckpointRefs();
    const processes = [...this.processes.values()]
      .sort((a, b) => a.pid - b.pid)
      .map((p) => ({ pid: p.pid, comm: p.comm, fds: p.checkpointFds(refs) }))
      .filter((p) => p.fds.length > 0);
    const attachments = snapshotAttachments(this.vfioAp, refs);
    const vfio = this.vfio.snapshot(refs, (kvm) => kvm.id);
    const eventfds = refs.of(EventFd).map(({ id, obj }) => ({ id, count: obj.count.toString(), flags: obj.flags }));
    return { kvm: this.kvms.snapshot(), vfio, attachments, eventfds, processes };
  }

  /** The twin's state as JSON-ready data; equal snapshots mean equal twins. */
  snapshot(): HostSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      spec: this.spec,
      bootEpochMs: this.bootEpochMs,
      lpar: this.lpar.toJSON() as HostSnapshot['lpar'],
      ap: this.bus.snapshot(),
      vfioAp: this.vfioAp.snapshot(),
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

  /**
   * An adapter or domain joins or leaves the LPAR's configuration; the AP bus then gets
   * the configuration-changed notification and rescans (spec vfio-ap §4.5).
   */
  configChange(op: 'add' | 'remove', what: ConfigResource, id: number, type = 'CEX8C'): void {
    const max = what === 'adapter' ? this.lpar.na : this.lpar.nd;
    const label = what === 'control-domain' ? 'control domain' : what;
    const idText = `0x${id.toString(16).padStart(2, '0')}`;
    if (!Number.isInteger(id) || id < 0 || id > max) throw new HostConfigError(`${label} ${id} is outside 0..${max}`);
    if (what === 'adapter') {
      if (!CARD_TYPE_RE.test(type)) throw new HostConfigError(`invalid card type '${type}': expected CEX4..CEX8 followed by A, C or P`);
      const present = this.lpar.adapters.has(id);
      if (op === 'add' && present) throw new HostConfigError(`adapter ${idText} is already in the configuration`);
      if (op === 'remove' && !present) throw new HostConfigError(`adapter ${idText} is not in the configuration`);
      if (op === 'add') this.lpar.adapters.set(id, type);
      else this.lpar.adapters.delete(id);
    } else {
      const mask = what === 'domain' ? this.lpar.usage : this.lpar.control;
      if (op === 'add' && mask.has(id)) throw new HostConfigError(`${label} ${idText} is already in the configuration`);
      if (op === 'remove' && !mask.has(id)) throw new HostConfigError(`${label} ${idText} is not in the configuration`);
      if (op === 'add') mask.set(id);
      else mask.clear(id);
    }
    this.bus.scan();
  }
}
