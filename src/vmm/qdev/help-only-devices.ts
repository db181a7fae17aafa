// The device types a target lists from a captured `-device help` table but does not
// instantiate: user creatable and hotpluggable as the table says, with no properties of
// their own besides the help-only list `-device NAME,help` prints.

import { type DeviceCategory, type DeviceClass, type TypeRegistry } from './qdev.js';
import type { DeviceTableEntry } from './s390x-device-table.js';

/** Help-only property lists by type name (types missing here list none). */
export type HelpProperties = Readonly<Record<string, NonNullable<DeviceClass['helpProps']>>>;

export function registerHelpOnlyDevices(types: TypeRegistry, table: readonly DeviceTableEntry[], helpProps: HelpProperties = {}): void {
  for (const e of table) {
    types.register({
      typeName: e.name,
      abstract: false,
      userCreatable: true,
      hotpluggable: true,
      ...(e.bus ? { busType: e.bus } : {}),
      ...(e.alias ? { alias: e.alias } : {}),
      ...(e.desc !== undefined ? { desc: e.desc } : {}),
      categories: e.categories as DeviceCategory[],
      props: [],
      helpProps: helpProps[e.name] ?? [],
    });
  }
}
