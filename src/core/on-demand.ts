// A table of values by key where some are there from the start and the others are loaded
// (a dynamic import) the first time they are asked for: the architectures' kernel parts and
// QEMU models, so a start loads only the code of the host it runs.

export class OnDemand<K extends string, V> {
  private readonly loaded: Map<K, V>;

  constructor(
    /** What the table holds, for messages ("kernel", "qemu-system binary"). */
    private readonly what: string,
    preloaded: Readonly<Partial<Record<K, V>>>,
    private readonly loaders: Readonly<Partial<Record<K, () => Promise<V>>>>,
  ) {
    this.loaded = new Map(Object.entries(preloaded) as [K, V][]);
  }

  /** The value for `key`, loading it on first use. */
  async load(key: K): Promise<V> {
    let value = this.loaded.get(key);
    if (value === undefined) {
      const load = this.loaders[key];
      if (!load) throw new Error(`no ${this.what} for ${key}`);
      value = await load();
      this.loaded.set(key, value);
    }
    return value;
  }

  /** The value for `key`, which must have been loaded (load) or preloaded. */
  get(key: K): V {
    const value = this.loaded.get(key);
    if (value === undefined) throw new Error(`the ${this.what} for ${key} is not loaded: await its load first`);
    return value;
  }
}
