// A value built once per key and kept for the process: the tables a QEMU target derives from
// its captured help texts (device types, machine types, CPU models) are the same each time.

/** `build` made once for each key `keyOf` gives its arguments (the first argument by default). */
export function memoized<A extends readonly unknown[], V>(build: (...args: A) => V, keyOf: (...args: A) => unknown = (...args) => args[0]): (...args: A) => V {
  const made = new Map<unknown, V>();
  return (...args) => {
    const key = keyOf(...args);
    let value = made.get(key);
    if (value === undefined) made.set(key, (value = build(...args)));
    return value;
  };
}
