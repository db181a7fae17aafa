// The ARM presets: machines whose device trees carry the platform devices QEMU's
// vfio-platform subclasses were written for.

const XGBE_COMMON = {
  'amd,per-channel-interrupt': { bytes: '' },
  'amd,speed-set': [0],
  'amd,serdes-blwc': [1, 1, 0],
  'amd,serdes-cdr-rate': [2, 2, 7],
  'amd,serdes-pq-skew': [10, 10, 18],
  'amd,serdes-tx-amp': [0, 0, 0],
  'amd,serdes-dfe-tap-config': [3, 3, 3],
  'amd,serdes-dfe-tap-enable': [0, 0, 7],
  'clock-names': ['dma_clk', 'ptp_clk'],
  'phy-mode': 'xgmii',
  'dma-coherent': { bytes: '' },
};

/** A fixed clock of amd-seattle-xgbe-b.dtsi (4.x layout: the clocks sit beside the xgmacs in smb). */
const clock = (node: string, phandle: number, name: string) => ({
  node: `/smb/${node}`,
  properties: {
    compatible: 'fixed-clock',
    '#clock-cells': [0],
    'clock-frequency': [250000000],
    'clock-output-names': name,
    phandle: [phandle],
  },
});

export const PLATFORM_PRESETS = {
  // AMD Opteron A1100 "Seattle" (Overdrive rev B0): arch/arm64/boot/dts/amd/amd-seattle-xgbe-b.dtsi
  // inside smb0, and the SATA controller of amd-seattle-soc.dtsi (no VFIO reset module).
  seattle: {
    arch: 'aarch64',
    nodes: [
      { node: '/', properties: { model: 'AMD Seattle (Rev.B0) Development Board (Overdrive)', compatible: ['amd,seattle-overdrive', 'amd,seattle'] } },
      clock('clk250mhz_0', 1, 'xgmacclk0_dma_250mhz'),
      clock('clk250mhz_1', 2, 'xgmacclk0_ptp_250mhz'),
      clock('clk250mhz_2', 3, 'xgmacclk1_dma_250mhz'),
      clock('clk250mhz_3', 4, 'xgmacclk1_ptp_250mhz'),
    ],
    platformDevices: [
      {
        node: '/smb/xgmac@e0700000',
        compatible: ['amd,xgbe-seattle-v1a'],
        reg: [
          [0xe0700000, 0x80000],
          [0xe0780000, 0x80000],
          [0xe1240800, 0x400],
          [0xe1250000, 0x60],
          [0xe12500f8, 0x4],
        ],
        interrupts: [
          { spi: 325, trigger: 'level' },
          { spi: 346, trigger: 'edge' },
          { spi: 347, trigger: 'edge' },
          { spi: 348, trigger: 'edge' },
          { spi: 349, trigger: 'edge' },
          { spi: 323, trigger: 'level' },
        ],
        properties: { ...XGBE_COMMON, 'mac-address': { bytes: '02a1a2a3a4a5' }, clocks: [1, 2] },
      },
      {
        node: '/smb/xgmac@e0900000',
        compatible: ['amd,xgbe-seattle-v1a'],
        reg: [
          [0xe0900000, 0x80000],
          [0xe0980000, 0x80000],
          [0xe1240c00, 0x400],
          [0xe1250080, 0x60],
          [0xe12500fc, 0x4],
        ],
        interrupts: [
          { spi: 324, trigger: 'level' },
          { spi: 341, trigger: 'edge' },
          { spi: 342, trigger: 'edge' },
          { spi: 343, trigger: 'edge' },
          { spi: 344, trigger: 'edge' },
          { spi: 322, trigger: 'level' },
        ],
        properties: { ...XGBE_COMMON, 'mac-address': { bytes: '02b1b2b3b4b5' }, clocks: [3, 4] },
      },
      {
        node: '/smb/sata@e0300000',
        compatible: ['snps,dwc-ahci'],
        reg: [[0xe0300000, 0xf0000]],
        interrupts: [{ spi: 355, trigger: 'level' }],
        properties: { 'dma-coherent': { bytes: '' } },
      },
    ],
  },
  // Calxeda ECX-2000 "Midway": arch/arm/boot/dts/ecx-2000.dts + ecx-common.dtsi.
  midway: {
    arch: 'arm',
    nodes: [{ node: '/', properties: { model: 'Calxeda ECX-2000', compatible: 'calxeda,ecx-2000' } }],
    platformDevices: [
      {
        node: '/soc/ethernet@fff50000',
        compatible: ['calxeda,hb-xgmac'],
        reg: [[0xfff50000, 0x1000]],
        interrupts: [
          { spi: 77, trigger: 'level' },
          { spi: 78, trigger: 'level' },
          { spi: 79, trigger: 'level' },
        ],
        properties: { 'dma-coherent': { bytes: '' } },
      },
      {
        node: '/soc/ethernet@fff51000',
        compatible: ['calxeda,hb-xgmac'],
        reg: [[0xfff51000, 0x1000]],
        interrupts: [
          { spi: 80, trigger: 'level' },
          { spi: 81, trigger: 'level' },
          { spi: 82, trigger: 'level' },
        ],
        properties: { 'dma-coherent': { bytes: '' } },
      },
      {
        node: '/soc/sata@ffe08000',
        compatible: ['calxeda,hb-ahci'],
        reg: [[0xffe08000, 0x10000]],
        interrupts: [{ spi: 83, trigger: 'level' }],
        properties: { 'dma-coherent': { bytes: '' } },
      },
    ],
  },
} as const;
