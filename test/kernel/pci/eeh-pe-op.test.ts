// VFIO_EEH_PE_OP on a POWER9 twin, in both profiles: every op of spec vfio-core §5 and its
// errors, and the PE as the host and the device fd see it — frozen reads are all-ones
// except what vfio-pci virtualises, writes are dropped, a hot reset blocks config until
// it is deactivated and the BARs come back.

import { describe, expect, it } from 'vitest';
import { VFIO_EEH_PE_OP, VFIO_IOMMU_ENABLE, encodeEehPeOp, vfioPciRegionOffset } from '../../../src/core/vfio-spapr-uapi.js';
import { VFIO_GROUP_GET_DEVICE_FD, VFIO_SPAPR_TCE_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU } from '../../../src/core/vfio-uapi.js';
import { vfioEehPeOp } from '../../../src/kernel/eeh/vfio-eeh-pe-op.js';
import { pciOf } from '../../../src/kernel/pci/pci-subsystem.js';
import type { Profile } from '../../../src/kernel/host-spec.js';
import { PCI_PRESETS } from '../../../src/kernel/pci/pci-presets.js';
import { bootSpec, errno, type Shell } from '../sh.js';
import { ETH0, ETH1, ioctl, openGroup, p9Vfio, toVfio } from './spapr-user.js';

const op = (n: number, err?: Parameters<typeof encodeEehPeOp>[1], argsz?: number, flags?: number) => encodeEehPeOp(n, err, argsz, flags);
const [DISABLE, ENABLE, UNFREEZE_IO, UNFREEZE_DMA, GET_STATE, RESET_DEACTIVATE, RESET_HOT, RESET_FUNDAMENTAL, CONFIGURE, INJECT_ERR] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const CONFIG = 7;

interface Rig {
  sh: Shell;
  c: number;
  dev: number;
  eeh(n: number, err?: Parameters<typeof encodeEehPeOp>[1]): number | string;
  cfg(off: number): number;
  bar0(): number;
}

function rig(profile: Profile, sh = p9Vfio(profile)): Rig {
  const { group, container: c } = openGroup(sh, 0, profile === 'modern' ? VFIO_SPAPR_TCE_v2_IOMMU : VFIO_SPAPR_TCE_IOMMU);
  if (profile === 'legacy') sh.sys.ioctl(c, VFIO_IOMMU_ENABLE);
  const dev = sh.sys.ioctl(group, VFIO_GROUP_GET_DEVICE_FD, ETH0);
  const dword = (b: Uint8Array) => (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  return {
    sh,
    c,
    dev,
    eeh: (n, err) => ioctl(sh, c, VFIO_EEH_PE_OP, op(n, err)),
    cfg: (off) => dword(sh.sys.pread(dev, 4, vfioPciRegionOffset(CONFIG) + BigInt(off))),
    bar0: () => dword(sh.sys.pread(dev, 4, vfioPciRegionOffset(0))),
  };
}

for (const profile of ['modern', 'legacy'] as const) {
  describe(`EEH PE ops (${profile})`, () => {
    it('an injected error freezes the PE: all-ones except the virtualised ids; thawing IO then DMA', () => {
      const r = rig(profile);
      expect(r.eeh(GET_STATE)).toBe(0);
      expect(r.cfg(0)).toBe(0x10fb8086);
      expect(r.eeh(INJECT_ERR, { type: 0, func: 0 })).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(2);
      expect(r.cfg(0)).toBe(0x10fb8086);
      expect(r.cfg(8)).toBe(0xffffffff);
      expect(r.bar0()).toBe(0xffffffff);
      expect(r.sh.cat(`/sys/bus/pci/devices/${ETH1}/config`)).toMatch(/^\xff{8}/);
      expect(r.eeh(UNFREEZE_IO)).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(4);
      expect(r.cfg(8)).toBe(0x02000001);
      expect(r.eeh(UNFREEZE_DMA)).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(0);
      expect(r.eeh(UNFREEZE_DMA)).toBe(0);
    });

    it('a hot reset freezes the PE and blocks config; deactivate restores the BARs and thaws it', () => {
      const r = rig(profile);
      const bar = r.sh.cat(`/sys/bus/pci/devices/${ETH0}/config`) as string;
      expect(r.eeh(RESET_HOT)).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(2);
      expect(r.sh.cat(`/sys/bus/pci/devices/${ETH0}/config`)).toMatch(/^\xff{64}/);
      expect(r.eeh(UNFREEZE_IO)).toBe(0);
      expect(r.sh.cat(`/sys/bus/pci/devices/${ETH0}/config`)).toMatch(/^\xff{64}/);
      expect(r.eeh(RESET_DEACTIVATE)).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(0);
      expect((r.sh.cat(`/sys/bus/pci/devices/${ETH0}/config`) as string).slice(0, 64)).toBe(bar.slice(0, 64));
      expect(r.eeh(CONFIGURE)).toBe(0);
      expect(r.eeh(RESET_FUNDAMENTAL)).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(2);
      expect(r.eeh(RESET_DEACTIVATE)).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(0);
    });

    it('ENABLE re-owns a frozen PE (it thaws, as PHB reset relies on); DISABLE changes nothing', () => {
      const r = rig(profile);
      r.eeh(INJECT_ERR, { type: 1, func: 19 });
      expect(r.eeh(DISABLE)).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(2);
      expect(r.eeh(ENABLE)).toBe(0);
      expect(r.eeh(GET_STATE)).toBe(0);
    });

    it('bad arguments: flags, argsz, op, INJECT_ERR type, function and size', () => {
      const r = rig(profile);
      expect(ioctl(r.sh, r.c, VFIO_EEH_PE_OP, op(GET_STATE, undefined, 40, 1))).toBe('EINVAL');
      expect(ioctl(r.sh, r.c, VFIO_EEH_PE_OP, op(GET_STATE, undefined, 11))).toBe('EINVAL');
      expect(ioctl(r.sh, r.c, VFIO_EEH_PE_OP, op(10))).toBe('EINVAL');
      expect(ioctl(r.sh, r.c, VFIO_EEH_PE_OP, op(INJECT_ERR, { type: 0 }, 12))).toBe('EINVAL');
      expect(r.eeh(INJECT_ERR, { type: 2 })).toBe('EINVAL');
      expect(r.eeh(INJECT_ERR, { type: 0, func: 20 })).toBe('EINVAL');
      expect(ioctl(r.sh, r.c, VFIO_EEH_PE_OP, new Uint8Array(8))).toBe('EFAULT');
      expect(ioctl(r.sh, r.c, VFIO_EEH_PE_OP, 0)).toBe('EFAULT');
      expect(r.eeh(GET_STATE)).toBe(0);
    });

    it('closing the device hands a frozen PE back to the host, which thaws it (eeh_dev_release)', () => {
      const r = rig(profile);
      r.eeh(INJECT_ERR);
      const pe = pciOf(r.sh.host).pes[0]!;
      expect(pe.passDevCnt).toBe(1);
      r.sh.sys.close(r.dev);
      expect(pe.passDevCnt).toBe(0);
      expect(pe.getState()).toBe(0);
    });
  });
}

describe('EEH errors outside the PE state', () => {
  it('no PE is ENODEV; a container without a back-end is EINVAL; EEH off makes ENABLE EIO', () => {
    expect(errno(() => vfioEehPeOp(undefined, op(GET_STATE)))).toBe('ENODEV');
    const sh = p9Vfio();
    const { container } = openGroup(sh, 0);
    expect(ioctl(sh, container, VFIO_EEH_PE_OP, op(GET_STATE))).toBe('EINVAL');
    const off = bootSpec({ ...PCI_PRESETS.p9, eeh: false });
    for (const bdf of [ETH0, ETH1]) toVfio(off, bdf);
    const r = rig('modern', off);
    expect(r.eeh(ENABLE)).toBe('EIO');
    expect(r.eeh(INJECT_ERR)).toBe(0);
    expect(r.eeh(GET_STATE)).toBe(2);
  });
});
