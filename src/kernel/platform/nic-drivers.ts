// The host's own drivers for the NICs vfio-platform takes over: calxedaxgmac
// (drivers/net/ethernet/calxeda/xgmac.c) and amd-xgbe (drivers/net/ethernet/amd/xgbe/),
// bound at boot by their OF match tables. Twin: they bind and unbind; no netdev is modelled.

import type { PlatformDriver } from './platform-bus.js';
import type { PlatformDevice } from './platform-device.js';

function nicDriver(name: string, ofMatch: readonly string[]): PlatformDriver {
  return { name, ofMatch, probe: (_dev: PlatformDevice) => undefined, remove: (_dev: PlatformDevice) => undefined };
}

/** The host NIC drivers, in registration order. */
export function hostNicDrivers(): PlatformDriver[] {
  return [nicDriver('calxedaxgmac', ['calxeda,hb-xgmac']), nicDriver('amd-xgbe', ['amd,xgbe-seattle-v1a'])];
}
