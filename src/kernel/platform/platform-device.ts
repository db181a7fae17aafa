// A platform device created from a device-tree node (of_platform_device_create_pdata): its
// name, its directory under the parent bus device, its MEM resources (the `reg` ranges),
// its interrupt lines (the GIC SPIs of `interrupts`) and the hardware behind them.

import { Device } from '../base/device.js';
import type { IommuGroup } from '../vfio/iommu-groups.js';
import { IrqLine, type Trigger } from './irq-line.js';
import { registerFilesFor } from './nic-hardware.js';
import { nodeBaseName } from './of-name.js';
import type { RegisterFile } from './register-file.js';

/** One `reg` range as a MEM resource (struct resource). */
export interface MemResource {
  start: number;
  size: number;
}

export interface PlatformDeviceInit {
  name: string;
  path: string;
  /** The device-tree node's path (of_node). */
  node: string;
  compatible: readonly string[];
  reg?: readonly (readonly [number, number])[];
  interrupts?: readonly { spi: number; trigger: Trigger }[];
  /** device_type, if the node has one. */
  deviceType?: string;
}

export class PlatformDevice extends Device {
  readonly node: string;
  readonly compatible: readonly string[];
  readonly resources: readonly MemResource[];
  readonly irqs: readonly IrqLine[];
  /** The MMIO registers behind each resource. */
  readonly regions: readonly RegisterFile[];
  readonly deviceType: string | undefined;
  iommuGroup: IommuGroup | undefined;

  constructor(init: PlatformDeviceInit) {
    super(init.name, init.path);
    this.node = init.node;
    this.compatible = init.compatible;
    this.deviceType = init.deviceType;
    this.resources = (init.reg ?? []).map(([start, size]) => ({ start, size }));
    this.irqs = (init.interrupts ?? []).map((i) => new IrqLine(i.spi, i.trigger));
    this.regions = registerFilesFor(init.compatible[0] ?? '', this.resources.map((r) => r.size));
  }

  /** %pOFn: the node's name without the unit address. */
  get ofName(): string {
    return nodeBaseName(this.node);
  }

  /** models of_device_modalias (6.x: device_type "(null)" when absent; 4.19: "<NULL>"), spaces as '_'. */
  modalias(modern: boolean): string {
    const type = this.deviceType ?? (modern ? '(null)' : '<NULL>');
    return `of:N${this.ofName}T${type}${this.compatible.map((c) => `C${c.replaceAll(' ', '_')}`).join('')}`;
  }
}
