// The names the OF core gives platform devices created from device-tree nodes
// (drivers/of/platform.c of_device_make_bus_id) and the node names it prints (%pOFn).

/** The node's name without its unit address (what %pOFn prints). */
export function nodeBaseName(path: string): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  const at = last.indexOf('@');
  return at < 0 ? last : last.slice(0, at);
}

/**
 * models of_device_make_bus_id for a device whose first `reg` entry translates 1:1
 * (simple-bus parents with empty `ranges`): "<address hex>.<node name>", else the node's
 * full name prefixed with its parents' ("smb:clk@0", for a device without `reg` under
 * parents without `reg`).
 */
export function platformDeviceName(d: { node: string; reg: readonly (readonly [number, number])[] }): string {
  const first = d.reg[0];
  if (first) return `${first[0].toString(16)}.${nodeBaseName(d.node)}`;
  return d.node.slice(1).split('/').join(':');
}
