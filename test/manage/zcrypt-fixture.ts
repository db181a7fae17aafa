// The fake AP-bus tree of ecosystem spec §2.7 (the one real lszcrypt ran against for the
// sample output in §2.1), written as real files for the directory reader.

import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const maskOf = (ids: number[]): string => {
  let v = 0n;
  for (const id of ids) v |= 1n << BigInt(255 - id);
  return `0x${v.toString(16).padStart(64, '0')}`;
};

export function writeZcryptFixture(root: string): void {
  const w = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${text}\n`);
  };
  const ln = (target: string, path: string): void => symlinkSync(target, join(root, path));
  const B = '/sys/bus/ap';
  const D = '/sys/devices/ap';
  for (const d of [`${B}/devices`, `${B}/drivers/cex4card`, `${B}/drivers/cex4queue`, `${B}/drivers/vfio_ap`, D, '/sys/devices/vfio_ap/matrix'])
    mkdirSync(join(root, d), { recursive: true });
  w(`${B}/ap_domain`, '4');
  w(`${B}/ap_max_domain_id`, '84');
  w(`${B}/features`, 'APSC APXA QACT RC8A');
  w(`${B}/ap_adapter_mask`, maskOf([5, 6]));
  w(`${B}/apmask`, `0x${'f'.repeat(64)}`);
  for (const c of ['05', '06']) {
    const C = `${D}/card${c}`;
    w(`${C}/type`, c === '05' ? 'CEX7C' : 'CEX7P');
    w(`${C}/ap_functions`, c === '05' ? '0x92800000' : '0x86800000');
    for (const [f, v] of Object.entries({ hwtype: 13, raw_hwtype: 13, depth: 8, online: 1, config: 1, chkstop: 0, request_count: 42 }))
      w(`${C}/${f}`, String(v));
    for (const f of ['pendingq_count', 'requestq_count']) w(`${C}/${f}`, '0');
    ln('../../../bus/ap/drivers/cex4card', `${C}/driver`);
    ln(`../../../devices/ap/card${c}`, `${B}/devices/card${c}`);
    for (const d of ['0004', '0047', '00ab']) {
      const Q = `${C}/${c}.${d}`;
      for (const [f, v] of Object.entries({ online: 1, config: 1, chkstop: 0, request_count: 7, pendingq_count: 0, requestq_count: 0 }))
        w(`${Q}/${f}`, String(v));
      if (d === '00ab') {
        ln('../../../../bus/ap/drivers/vfio_ap', `${Q}/driver`);
        rmSync(join(root, Q, 'online'));
        w(`${Q}/status`, 'assigned');
      } else {
        ln('../../../../bus/ap/drivers/cex4queue', `${Q}/driver`);
      }
      ln(`../../../devices/ap/card${c}/${c}.${d}`, `${B}/devices/${c}.${d}`);
    }
  }
}
