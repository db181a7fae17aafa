// Issue 13 figures: 2048-bit RSA-CRT operations per second through a guest's passthrough
// queue (the guest's zcrypt: NQAP, the adapter computes, DQAP, convert) and through the
// host's /dev/z90crypt ioctl path, each against node:crypto's own 2048-bit private-key
// operation measured in the same run (the floor of doing the maths in this process).

import { s390Board } from '../src/vmm/s390/board.js';
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { restoreVms } from '../src/api/vm-host.js';
import { bigIntToBytes, bytesToBigInt } from '../src/core/rsa-math.js';
import { crtPartLengths } from '../src/core/zcrypt-uapi.js';
import { guestRsa } from '../src/guest/guest-zcrypt.js';
import { Host } from '../src/kernel/host.js';
import { presetSpec } from '../src/kernel/host-spec.js';
import { writeText } from '../src/kernel/syscall-surface.js';
import { icaRsaCrt } from '../src/manage/ica.js';
import { fmtRate, measure, report } from './harness.js';

const UUID = '62177883-f1bb-47f0-914d-32a22e3a8804';
const MDEV = `/sys/devices/vfio_ap/matrix/${UUID}`;

function key2048() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const b = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64url'));
  return { privateKey, p: b(jwk.p!), q: b(jwk.q!), dp: b(jwk.dp!), dq: b(jwk.dq!), qi: b(jwk.qi!) };
}

export function benchCrypto(): void {
  const k = key2048();
  const input = new Uint8Array(256).map((_, i) => (i === 0 ? 0 : (i * 37) & 0xff));
  const floor = measure('node:crypto 2048-bit private op', () => privateDecrypt({ key: k.privateKey, padding: constants.RSA_NO_PADDING }, input), 5, 300);

  // the doc host: adapter 6 (CEX5A) and 5 (CEX5C); the guest gets 06.0004, the host keeps the rest
  const host = Host.boot(presetSpec('doc'));
  const sh = host.process();
  writeText(sh, '/sys/bus/ap/aqmask', '-4');
  writeText(sh, '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', UUID);
  writeText(sh, `${MDEV}/assign_adapter`, '6');
  writeText(sh, `${MDEV}/assign_domain`, '4');
  const vms = restoreVms(host, undefined);
  const started = vms.start(['-cpu', 'host,ap=on,apqci=on,apft=on,apqi=on', '-device', `vfio-ap,sysfsdev=${MDEV},id=ap0`]);
  if (started.exitCode !== 0) throw new Error(started.stderr);
  const { guest: os } = s390Board(vms.get(started.stdout.trim())!);
  const { short, long } = crtPartLengths(256);
  const pad = (b: Uint8Array, n: number): Uint8Array => bigIntToBytes(bytesToBigInt(b), n);
  const req = { op: 'crt' as const, length: 256, npPrime: pad(k.p, long), nqPrime: pad(k.q, short), bpKey: pad(k.dp, long), bqKey: pad(k.dq, short), uMultInv: pad(k.qi, long), input };
  const guest = measure('guest RSA-CRT', () => {
    if (!guestRsa(os.cpu, os.view, req).ok) throw new Error('guest request failed');
  }, 5, 300);
  report('guest 2048-bit RSA-CRT via its queue', fmtRate(guest), fmtRate(floor), guest.opsPerSec / floor.opsPerSec, '>= 0.2x', guest.opsPerSec >= 0.2 * floor.opsPerSec);

  const hostProc = host.process();
  const ioctl = measure('host ICARSACRT', () => icaRsaCrt(hostProc, 256, { p: k.p, q: k.q, dp: k.dp, dq: k.dq, qinv: k.qi, input }), 5, 300);
  report('host 2048-bit ICARSACRT ioctl', fmtRate(ioctl), fmtRate(floor), ioctl.opsPerSec / floor.opsPerSec, '>= 0.2x', ioctl.opsPerSec >= 0.2 * floor.opsPerSec);
}
