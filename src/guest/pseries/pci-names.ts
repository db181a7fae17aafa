// The names `lspci -nn` prints for the classes and devices a guest of the p9 preset sees
// (pci.ids and lspci's class table), and its fallbacks for anything else.

const CLASSES: Readonly<Record<number, string>> = {
  0x0108: 'Non-Volatile memory controller',
  0x0200: 'Ethernet controller',
  0x0604: 'PCI bridge',
};

const VENDORS: Readonly<Record<number, string>> = {
  0x8086: 'Intel Corporation',
  0x144d: 'Samsung Electronics Co Ltd',
  0x1014: 'IBM',
};

const DEVICES: Readonly<Record<string, string>> = {
  '8086:10fb': '82599ES 10-Gigabit SFI/SFP+ Network Connection',
  '144d:a822': 'NVMe SSD Controller 172Xa/172Xb',
};

const h4 = (n: number): string => n.toString(16).padStart(4, '0');

/** "Ethernet controller [0200]", or "Class [cccc]" for a class lspci does not know. */
export function className(cls: number): string {
  const name = CLASSES[cls];
  return name ? `${name} [${h4(cls)}]` : `Class [${h4(cls)}]`;
}

/** "Intel Corporation 82599ES ... [8086:10fb]", "Intel Corporation Device [8086:1234]" or "Device [vvvv:dddd]". */
export function deviceName(vendor: number, device: number): string {
  const v = VENDORS[vendor];
  const d = DEVICES[`${h4(vendor)}:${h4(device)}`];
  return `${v ? `${v} ` : ''}${d ?? 'Device'} [${h4(vendor)}:${h4(device)}]`;
}
