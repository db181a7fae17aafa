// A shell over a twin: `echo VALUE > PATH` and `cat PATH` as the kernel documentation's
// examples write them, answering with the byte count / file bytes or the errno name.

import { isKernelError, type ErrnoName } from '../../src/core/errno.js';
import { Host } from '../../src/kernel/host.js';
import { parseHostSpec, presetSpec, type HostSpecInput, type PresetName, type Profile } from '../../src/kernel/host-spec.js';
import type { KvmCrypto } from '../../src/kernel/kvm/s390/kvm-crypto.js';
import { O_RDONLY, O_WRONLY } from '../../src/kernel/syscall-surface.js';
import type { MatrixMdev } from '../../src/kernel/vfio-ap/matrix-mdev.js';
import type { Process } from '../../src/kernel/vfs/process.js';
import type { ApMask } from '../../src/core/ap-mask.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';

export const MATRIX = '/sys/devices/vfio_ap/matrix';
export const TYPE = `${MATRIX}/mdev_supported_types/vfio_ap-passthrough`;
export const AP = '/sys/bus/ap';
export const VFIO_AP_DRV = `${AP}/drivers/vfio_ap`;
export const CEX4QUEUE_DRV = `${AP}/drivers/cex4queue`;

export const UUID1 = '62177883-f1bb-47f0-914d-32a22e3a8804';
export const UUID2 = '0e3c5a4f-8c1d-4b7e-9a2f-5d6e7f809102';
export const UUID3 = 'b7c2e1d0-3f4a-4e5b-8c6d-7e8f9a0b1c2d';

/** Runs fn and turns a KernelError into its errno name; any other exception escapes. */
export function errno<T>(fn: () => T): T | ErrnoName {
  try {
    return fn();
  } catch (e) {
    if (isKernelError(e)) return e.code;
    throw e;
  }
}

export class Shell {
  readonly sys: Process;

  constructor(readonly host: Host) {
    this.sys = host.process();
  }

  /** `echo VALUE > PATH`: VALUE plus a newline in one write(2); the byte count or the errno. */
  echo(value: string, path: string): number | ErrnoName {
    return this.write(path, `${value}\n`);
  }

  /** One write(2) of exactly these bytes on a freshly opened file. */
  write(path: string, data: string | Uint8Array): number | ErrnoName {
    return errno(() => {
      const fd = this.sys.open(path, O_WRONLY);
      try {
        return this.sys.write(fd, data);
      } finally {
        this.sys.close(fd);
      }
    });
  }

  /** `cat PATH`: the file's bytes (latin1) or the errno. */
  cat(path: string): string | ErrnoName {
    return errno(() => {
      const fd = this.sys.open(path, O_RDONLY);
      try {
        return Buffer.from(this.sys.read(fd)).toString('latin1');
      } finally {
        this.sys.close(fd);
      }
    });
  }

  ls(path: string): string[] | ErrnoName {
    return errno(() => this.sys.readdir(path));
  }

  readlink(path: string): string | ErrnoName {
    return errno(() => this.sys.readlink(path));
  }

  realpath(path: string): string | ErrnoName {
    return errno(() => this.sys.realpath(path));
  }

  /** The kernel log's message texts (no timestamps). */
  dmesg(): string[] {
    return this.host.log.entries.map((e) => e.text);
  }

  /** Messages logged while fn ran. */
  logged(fn: () => unknown): string[] {
    const before = this.host.log.entries.length;
    fn();
    return this.host.log.entries.slice(before).map((e) => e.text);
  }

  /** Creates an mdev through `create` and returns its directory. */
  mdev(uuid: string): string {
    const r = this.echo(uuid, `${TYPE}/create`);
    if (typeof r !== 'number') throw new Error(`create ${uuid}: ${r}`);
    return `${MATRIX}/${uuid.toLowerCase()}`;
  }

  matrixMdev(uuid: string): MatrixMdev {
    const m = apOf(this.host).vfioAp.byUuid.get(uuid.toLowerCase());
    if (!m) throw new Error(`no mdev ${uuid}`);
    return m;
  }

  /** Frees the doc host's queues for vfio_ap, as the documentation does first. */
  reserveDocQueues(): void {
    expectOk(this.echo('-5,-6', `${AP}/apmask`));
    expectOk(this.echo('-4,-0x47,-0xab,-0xff', `${AP}/aqmask`));
  }
}

function expectOk(r: number | ErrnoName): void {
  if (typeof r !== 'number') throw new Error(`setup write failed: ${r}`);
}

export function boot(preset: PresetName = 'doc', profile?: Profile): Shell {
  return new Shell(Host.boot(presetSpec(preset, profile), { now: fixedClock() }));
}

export function bootSpec(spec: HostSpecInput): Shell {
  return new Shell(Host.boot(parseHostSpec(spec), { now: fixedClock() }));
}

/** A deterministic clock: each reading advances one millisecond. */
export function fixedClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => t++;
}

/** A stand-in KVM guest that records what vfio_ap programs into its CRYCB. */
export class FakeKvm implements KvmCrypto {
  masks: { apm: string; aqm: string; adm: string } | undefined;
  sets = 0;
  clears = 0;

  constructor(readonly id = 1) {}

  setMasks(apm: ApMask, aqm: ApMask, adm: ApMask): void {
    this.sets++;
    this.masks = { apm: apm.toHex(), aqm: aqm.toHex(), adm: adm.toHex() };
  }

  clearMasks(): void {
    this.clears++;
    this.masks = undefined;
  }
}

/** The snapshot as JSON data without the log, which legitimately grows on failures. */
export function state(host: Host): unknown {
  const snap = JSON.parse(JSON.stringify(host.snapshot())) as Record<string, unknown>;
  delete snap.log;
  return snap;
}
