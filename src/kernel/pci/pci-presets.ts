// The POWER presets. `p9`: a POWER9 (PowerNV, PHB4) host with an Intel 82599ES two-port
// 10GbE adapter (two functions, one PE) on PHB 0 and a Samsung PM1725a NVMe drive in its
// own PE on PHB 1: both functions of the adapter must leave ixgbe for the group to be viable.

const ixgbe = (fn: number) => ({
  slot: `01:00.${fn}`,
  vendor: 0x8086,
  device: 0x10fb,
  subsystemVendor: 0x8086,
  subsystemDevice: 0x000c,
  class: 0x020000,
  revision: 0x01,
  bars: [
    { index: 0, size: 0x80000, kind: 'mem64', prefetch: true },
    { index: 4, size: 0x4000, kind: 'mem64', prefetch: true },
  ],
  driver: 'ixgbe',
  interruptPin: fn + 1,
});

export const PCI_PRESETS = {
  p9: {
    arch: 'ppc64le',
    phbs: [
      { domain: 0, pes: [{ pe: 1, functions: [ixgbe(0), ixgbe(1)] }] },
      {
        domain: 1,
        pes: [
          {
            pe: 1,
            functions: [
              {
                slot: '01:00.0',
                vendor: 0x144d,
                device: 0xa822,
                subsystemVendor: 0x1014,
                subsystemDevice: 0x0621,
                class: 0x010802,
                bars: [{ index: 0, size: 0x4000, kind: 'mem64', prefetch: false }],
                driver: 'nvme',
              },
            ],
          },
        ],
      },
    ],
  },
} as const;
