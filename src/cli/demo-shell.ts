// A scripted shell session on a twin for `vfioctl demo`: every step prints the command a
// user would type on a real host and what that host would answer, errors included.

import { isKernelError, strerror } from '../core/errno.js';
import type { Host } from '../kernel/host.js';
import type { Syscalls } from '../kernel/syscall-surface.js';
import { formatLszcrypt, lszcryptTable } from '../manage/lszcrypt.js';
import { readBytes, writeBytes } from '../manage/syscall-io.js';
import { syscallsReader } from '../manage/sysfs-reader.js';
import type { VmManager } from '../vmm/vm-manager.js';
import { guestCrycb, guestLszcrypt } from './commands/guest.js';
import { guestApTapq, guestCrypto } from './commands/guest-crypto.js';
import { guard } from './cli-error.js';
import { parseCryptoArgs, resultLine } from './crypto-args.js';
import { icaRsaCrt, icaRsaModExpo } from '../manage/ica.js';
import { trace } from './commands/trace.js';
import { restoreVms } from '../api/vm-host.js';
import { vmMonitor, vmStop } from './commands/vm.js';
import type { Io, Writer } from './io.js';

/** A clock that moves only when the script says so, so the demo's dmesg is reproducible. */
export class StepClock {
  constructor(private ms: number) {}

  readonly now = (): number => this.ms;

  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Seconds between two typed commands in the transcript's kernel timestamps. */
const TYPING_MS = 1_250;

export class DemoShell {
  private readonly sys: Syscalls;

  constructor(
    private readonly host: Host,
    private readonly clock: StepClock,
    private readonly out: Writer,
  ) {
    this.sys = host.process();
  }

  heading(text: string): void {
    this.out.write(`\n## ${text}\n`);
  }

  note(text: string): void {
    this.out.write(`# ${text}\n`);
  }

  /** `echo VALUE > PATH`; a refused write prints bash's message. Returns whether it succeeded. */
  echo(value: string, path: string): boolean {
    this.prompt(`echo ${value} > ${path}`);
    try {
      writeBytes(this.sys, path, Buffer.from(`${value}\n`, 'utf8'));
      return true;
    } catch (e) {
      if (!isKernelError(e)) throw e;
      this.out.write(`bash: echo: write error: ${strerror(e.code)}\n`);
      this.note(`write(2) failed with ${e.code}`);
      return false;
    }
  }

  cat(path: string): void {
    this.prompt(`cat ${path}`);
    this.out.write(readBytes(this.sys, path));
  }

  ls(path: string): void {
    this.prompt(`ls ${path}`);
    const names = this.sys.readdir(path);
    if (names.length > 0) this.out.write(`${names.join('  ')}\n`);
  }

  readlink(path: string): void {
    this.prompt(`readlink ${path}`);
    this.out.write(`${this.sys.readlink(path)}\n`);
  }

  dmesgTail(lines: number): void {
    this.prompt(`dmesg | tail -n ${lines}`);
    const all = this.host.log.format().split('\n').slice(0, -1);
    this.out.write(all.slice(-lines).map((l) => `${l}\n`).join(''));
  }

  lszcrypt(verbose: boolean): void {
    this.prompt(verbose ? 'lszcrypt -V' : 'lszcrypt');
    this.out.write(formatLszcrypt(lszcryptTable(syscallsReader(this.sys), { verbose })));
  }

  /** `qemu-system-s390x ARGS &`: prints QEMU's own output (warnings, errors). */
  qemu(argv: string[]): boolean {
    this.prompt(`qemu-system-s390x ${argv.join(' ')} &`);
    const r = this.vms.start(argv);
    this.out.write(r.stderr);
    return r.exitCode === 0;
  }

  /** lszcrypt inside the guest, as its root types it there (the `guest1#` prompt). */
  inGuest(id: string): void {
    this.out.write(`${id}# lszcrypt\n`);
    guestLszcrypt({ id }, this.io, { vms: this.vms });
  }

  /** The guest's CRYCB as the machine holds it: the host's view of the running VM. */
  crycb(id: string): void {
    this.prompt(`vfioctl guest ${id} crycb`);
    guestCrycb({ id }, this.io, { vms: this.vms });
  }

  /** `vfioctl guest ID crypto …`: the guest's zcrypt runs a request; `shown` is the command as printed. Returns the result. */
  async guestCrypto(id: string, op: string, values: Record<string, string>, shown: string): Promise<string> {
    this.prompt(shown);
    let result = '';
    const io: Io = { stdout: { write: (c) => ((result += String(c)), this.out.write(c)) }, stderr: this.out };
    await guard(io, () => guestCrypto({ id, op, values }, io, { vms: this.vms }));
    return result.trim();
  }

  /** `vfioctl guest ID ap tapq APQN`: TAPQ from the guest's CPU. */
  guestTapq(id: string, apqn: string): void {
    this.prompt(`vfioctl guest ${id} ap tapq ${apqn}`);
    guestApTapq({ id, apqn }, this.io, { vms: this.vms });
  }

  /** `vfioctl host crypto OP …` on the host's /dev/z90crypt; a refused call prints the CLI's errno line. */
  hostCrypto(op: string, values: Record<string, string>, shown: string): void {
    this.prompt(shown);
    const req = parseCryptoArgs('host crypto', op, values);
    const v = req.values;
    try {
      const out =
        req.op === 'rsa-me'
          ? icaRsaModExpo(this.sys, req.length, { modulus: v.modulus!, exponent: v.exponent!, input: v.input! })
          : icaRsaCrt(this.sys, req.length, { p: v.p!, q: v.q!, dp: v.dp!, dq: v.dq!, qinv: v.qinv!, input: v.input! });
      this.out.write(resultLine(out, req.length));
    } catch (e) {
      if (!isKernelError(e)) throw e;
      this.out.write(`vfioctl: host crypto: ${e.code} (${strerror(e.code)})\n`);
    }
  }

  /** An HMP command in the VM's monitor. */
  monitor(id: string, command: string): void {
    this.out.write(`(qemu) ${command}\n`);
    vmMonitor({ id, command }, this.io, { vms: this.vms });
  }

  /** The QEMU process of a VM exits. */
  stopVm(id: string): void {
    this.prompt(`kill $(pidof qemu-system-s390x)   # ${id}`);
    vmStop({ id }, this.io, { vms: this.vms });
  }

  /** The realize trace of a VM: the seed's sequence, event by event. */
  trace(id: string): void {
    this.prompt(`vfioctl trace --vm ${id}`);
    trace({ vm: id }, this.io, { vms: this.vms });
  }

  private vmsOnce: VmManager | undefined;

  private get vms(): VmManager {
    this.vmsOnce ??= restoreVms(this.host, undefined);
    return this.vmsOnce;
  }

  private get io(): Io {
    return { stdout: this.out, stderr: this.out };
  }

  private prompt(command: string): void {
    this.clock.advance(TYPING_MS);
    this.out.write(`$ ${command}\n`);
  }
}
