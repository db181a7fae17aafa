// /dev/z90crypt, zcrypt's misc device (zcrypt_api.c zcrypt_fops): ICARSAMODEXPO and
// ICARSACRT with the uapi structs (asm/zcrypt.h) whose pointers address the caller's
// memory; read and write are refused (EPERM). The argument is the struct's user address
// (as on Linux) or, for callers that build it in place, the struct's bytes.

import { KernelError } from '../../core/errno.js';
import {
  ICARSACRT,
  ICARSAMODEXPO,
  ICA_RSA_MODEXPO_CRT_SIZE,
  ICA_RSA_MODEXPO_SIZE,
  OUTPUTDATALENGTH_OFFSET,
  crtPartLengths,
  decodeModexpo,
  decodeModexpoCrt,
  ioctlNr,
} from '../../core/zcrypt-uapi.js';
import type { IoctlArg } from '../syscall-surface.js';
import { CharDevice, type DeviceFile, type Task } from '../vfs/node.js';
import type { Vfs } from '../vfs/vfs.js';
import type { ApBus } from '../ap/ap-bus.js';
import { ZcryptApi, type RsaCall } from './zcrypt-api.js';

export const Z90CRYPT_PATH = '/dev/z90crypt';
/** A misc device (major 10) with a dynamic minor; the twin gives it the first one misc hands out. */
export const Z90CRYPT_MINOR = 62;

/** The struct argument: read from user memory at an address, or given as bytes. */
function structArg(arg: IoctlArg, size: number, task: Task): { bytes: Uint8Array; writeBack(b: Uint8Array): void } {
  if (arg instanceof Uint8Array) {
    if (arg.length < size) throw new KernelError('EFAULT');
    return { bytes: arg.subarray(0, size), writeBack: (b) => arg.set(b, OUTPUTDATALENGTH_OFFSET) };
  }
  if (typeof arg === 'number' || typeof arg === 'bigint') {
    const addr = BigInt(arg);
    return { bytes: task.copyFromUser(addr, size), writeBack: (b) => task.copyToUser(addr + BigInt(OUTPUTDATALENGTH_OFFSET), b) };
  }
  throw new KernelError('EFAULT');
}

class Z90CryptFile implements DeviceFile {
  constructor(private readonly api: ZcryptApi) {}

  read(): Uint8Array {
    throw new KernelError('EPERM');
  }

  write(): number {
    throw new KernelError('EPERM');
  }

  /** models zcrypt_unlocked_ioctl with the default node's permissions (every ioctl, adapter and domain). */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    const req = request >>> 0;
    if (ioctlNr(req) === 0) throw new KernelError('EPERM');
    if (req === ICARSAMODEXPO) return this.modexpo(arg, task);
    if (req === ICARSACRT) return this.crt(arg, task);
    // -ENOIOCTLCMD becomes ENOTTY; the twin serves only the two RSA ioctls
    throw new KernelError('ENOTTY');
  }

  private finish(s: { writeBack(b: Uint8Array): void }, length: number): number {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, length);
    s.writeBack(out);
    return 0;
  }

  /** models icarsamodexpo_ioctl. */
  private modexpo(arg: IoctlArg, task: Task): number {
    const s = structArg(arg, ICA_RSA_MODEXPO_SIZE, task);
    const mex = decodeModexpo(s.bytes);
    const n = mex.inputdatalength;
    const call: RsaCall = {
      op: 'me',
      length: n,
      outputLength: mex.outputdatalength,
      read: () => ({
        op: 'me',
        length: n,
        modulus: task.copyFromUser(mex.nModulus, n),
        exponent: task.copyFromUser(mex.bKey, n),
        input: task.copyFromUser(mex.inputdata, n),
      }),
      write: (out) => task.copyToUser(mex.outputdata, out),
    };
    this.api.rsa(call, task.pid);
    return this.finish(s, n);
  }

  /** models icarsacrt_ioctl. */
  private crt(arg: IoctlArg, task: Task): number {
    const s = structArg(arg, ICA_RSA_MODEXPO_CRT_SIZE, task);
    const crt = decodeModexpoCrt(s.bytes);
    const n = crt.inputdatalength;
    const { short, long } = crtPartLengths(n);
    const call: RsaCall = {
      op: 'crt',
      length: n,
      outputLength: crt.outputdatalength,
      read: () => ({
        op: 'crt',
        length: n,
        npPrime: task.copyFromUser(crt.npPrime, long),
        nqPrime: task.copyFromUser(crt.nqPrime, short),
        bpKey: task.copyFromUser(crt.bpKey, long),
        bqKey: task.copyFromUser(crt.bqKey, short),
        uMultInv: task.copyFromUser(crt.uMultInv, long),
        input: task.copyFromUser(crt.inputdata, n),
      }),
      write: (out) => task.copyToUser(crt.outputdata, out),
    };
    this.api.rsa(call, task.pid);
    return this.finish(s, n);
  }

  release(): void {}
}

/** zcrypt's misc device on the twin's devfs. */
export class Z90Crypt {
  readonly api: ZcryptApi;

  constructor(vfs: Vfs, bus: ApBus) {
    this.api = new ZcryptApi(bus);
    vfs.attach(Z90CRYPT_PATH, new CharDevice(10, Z90CRYPT_MINOR, 0o666, () => new Z90CryptFile(this.api)));
  }
}
