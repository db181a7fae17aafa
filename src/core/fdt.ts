// Device trees as the kernel unflattens them and QEMU builds them with libfdt: nodes with
// byte-valued properties, the property encodings of the DT spec (big-endian cells,
// NUL-terminated strings), the flattened blob (FDT v17, devicetree-specification §5) and
// its source form as `dtc -I dtb -O dts` prints it (dtc 1.6 treesource.c).

export interface FdtProp {
  name: string;
  value: Uint8Array;
}

export class FdtNode {
  readonly props: FdtProp[] = [];
  readonly children: FdtNode[] = [];

  constructor(readonly name: string) {}

  prop(name: string): Uint8Array | undefined {
    return this.props.find((p) => p.name === name)?.value;
  }

  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** models fdt_setprop: an existing property changes in place, a new one goes first (libfdt inserts after the node header). */
  setProp(name: string, value: Uint8Array): void {
    const p = this.props.find((x) => x.name === name);
    if (p) p.value = value;
    else this.props.unshift({ name, value });
  }

  /** models fdt_add_subnode: the new node goes before the existing subnodes. */
  addSubnode(name: string): FdtNode {
    const n = new FdtNode(name);
    this.children.unshift(n);
    return n;
  }

  /** Appends a property in source order (an unflattened tree keeps the blob's order). */
  appendProp(name: string, value: Uint8Array): void {
    this.props.push({ name, value });
  }

  appendChild(name: string): FdtNode {
    const n = new FdtNode(name);
    this.children.push(n);
    return n;
  }

  /** The node at a path below this one ("/a/b@1"); "/" is this node. */
  find(path: string): FdtNode | undefined {
    return path
      .split('/')
      .filter(Boolean)
      .reduce<FdtNode | undefined>((node, part) => node?.child(part), this);
  }

  /** Every node with its path, depth first in tree order. */
  *walk(path = ''): Generator<[string, FdtNode]> {
    yield [path || '/', this];
    for (const c of this.children) yield* c.walk(`${path}/${c.name}`);
  }
}

/** A string or string list property: each string NUL-terminated. */
export function fdtStrings(s: string | readonly string[]): Uint8Array {
  const list = typeof s === 'string' ? [s] : s;
  return Buffer.from(list.map((x) => `${x}\0`).join(''), 'latin1');
}

/** 32-bit big-endian cells. */
export function fdtCells(cells: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * cells.length);
  const dv = new DataView(out.buffer);
  cells.forEach((c, i) => dv.setUint32(4 * i, c >>> 0));
  return out;
}

export function fdtReadCells(value: Uint8Array): number[] {
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= value.length; i += 4) out.push(dv.getUint32(i));
  return out;
}

/** The strings of a string-list property (what of_property_read_string_index walks). */
export function fdtReadStrings(value: Uint8Array): string[] {
  const text = Buffer.from(value).toString('latin1');
  const parts = text.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** An address or size as `cells` 32-bit cells (1 or 2). */
export function fdtAddrCells(v: number | bigint, cells: number): number[] {
  const b = BigInt(v);
  return cells === 2 ? [Number(b >> 32n), Number(b & 0xffff_ffffn)] : [Number(b & 0xffff_ffffn)];
}

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_END = 9;
const HEADER_SIZE = 40;

const align4 = (n: number): number => (n + 3) & ~3;

/** models fdt_create … fdt_finish (a v17 blob, no memory reservations); totalsize may be padded as QEMU's 1 MiB blob is. */
export function encodeFdt(root: FdtNode, opts: { bootCpuid?: number; totalsize?: number } = {}): Uint8Array {
  const strings: string[] = [];
  const stringOff = new Map<string, number>();
  let stringsLen = 0;
  const off = (name: string): number => {
    let o = stringOff.get(name);
    if (o === undefined) {
      o = stringsLen;
      stringOff.set(name, o);
      strings.push(name);
      stringsLen += Buffer.byteLength(name, 'latin1') + 1;
    }
    return o;
  };
  const chunks: Uint8Array[] = [];
  const word = (v: number): void => void chunks.push(fdtCells([v]));
  const padded = (b: Uint8Array): void => {
    const p = new Uint8Array(align4(b.length));
    p.set(b);
    chunks.push(p);
  };
  const node = (n: FdtNode, isRoot: boolean): void => {
    word(FDT_BEGIN_NODE);
    padded(Buffer.from(`${isRoot ? '' : n.name}\0`, 'latin1'));
    for (const p of n.props) {
      word(FDT_PROP);
      word(p.value.length);
      word(off(p.name));
      padded(p.value);
    }
    for (const c of n.children) node(c, false);
    word(FDT_END_NODE);
  };
  node(root, true);
  word(FDT_END);
  const struct = Buffer.concat(chunks);
  const strBlock = Buffer.from(strings.map((s) => `${s}\0`).join(''), 'latin1');
  const rsvOff = HEADER_SIZE;
  const rsvSize = 16;
  const structOff = rsvOff + rsvSize;
  const stringsOff = structOff + struct.length;
  const used = stringsOff + strBlock.length;
  const total = Math.max(used, opts.totalsize ?? 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  [FDT_MAGIC, total, structOff, stringsOff, rsvOff, 17, 16, opts.bootCpuid ?? 0, strBlock.length, struct.length].forEach((v, i) => dv.setUint32(4 * i, v));
  out.set(struct, structOff);
  out.set(strBlock, stringsOff);
  return out;
}

/** models fdt_check_header + unflattening: the tree of a blob. */
export function decodeFdt(blob: Uint8Array): FdtNode {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.length < HEADER_SIZE || dv.getUint32(0) !== FDT_MAGIC) throw new Error('not a flattened device tree (bad magic)');
  const structOff = dv.getUint32(8);
  const stringsOff = dv.getUint32(12);
  const name = (at: number): [string, number] => {
    const end = blob.indexOf(0, at);
    return [Buffer.from(blob.subarray(at, end)).toString('latin1'), end + 1];
  };
  let pos = structOff;
  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  for (;;) {
    const tag = dv.getUint32(pos);
    pos += 4;
    if (tag === FDT_BEGIN_NODE) {
      const [n, next] = name(pos);
      pos = align4(next);
      const parent = stack.at(-1);
      const node = parent ? parent.appendChild(n) : new FdtNode(n);
      root ??= node;
      stack.push(node);
    } else if (tag === FDT_PROP) {
      const len = dv.getUint32(pos);
      const nameOff = dv.getUint32(pos + 4);
      pos += 8;
      stack.at(-1)!.appendProp(name(stringsOff + nameOff)[0], blob.slice(pos, pos + len));
      pos = align4(pos + len);
    } else if (tag === FDT_END_NODE) {
      stack.pop();
    } else if (tag === FDT_END) {
      break;
    } else if (tag !== 4) {
      throw new Error(`bad FDT tag ${tag} at offset ${pos - 4}`);
    }
  }
  if (!root) throw new Error('empty device tree');
  return root;
}

// ---- dts output (dtc treesource.c) ------------------------------------------------------

/** dtc's isstring: printable, NUL, or one of the C escapes. */
const isString = (c: number): boolean => (c >= 0x20 && c < 0x7f) || c === 0 || (c >= 7 && c <= 13);

/** models guess_value_type (no labels): a string list, 32-bit cells, or bytes. */
function guessType(v: Uint8Array): 'string' | 'cells' | 'bytes' {
  let nnotstring = 0;
  let nnul = 0;
  for (const c of v) {
    if (!isString(c)) nnotstring++;
    if (c === 0) nnul++;
  }
  if (v[v.length - 1] === 0 && nnotstring === 0 && nnul < v.length - nnul) return 'string';
  if (v.length % 4 === 0) return 'cells';
  return 'bytes';
}

const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\', 0x22: '\\"' };

/** models write_propval_string: one quoted string, inner NULs as \0. */
function dtsString(v: Uint8Array): string {
  let s = '"';
  for (let i = 0; i < v.length - 1; i++) {
    const c = v[i]!;
    if (c === 0) s += '\\0';
    else if (ESCAPES[c]) s += ESCAPES[c];
    else if (c < 0x20 || c >= 0x7f) s += `\\x${c.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(c);
  }
  return `${s}"`;
}

function dtsValue(v: Uint8Array): string {
  switch (guessType(v)) {
    case 'string':
      return dtsString(v);
    case 'cells':
      return `<${fdtReadCells(v)
        .map((c) => `0x${c.toString(16).padStart(2, '0')}`)
        .join(' ')}>`;
    case 'bytes':
      return `[${[...v].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
  }
}

/** The tree as `dtc -I dtb -O dts` prints it. */
export function formatDts(root: FdtNode): string {
  const out: string[] = ['/dts-v1/;\n\n'];
  const node = (n: FdtNode, level: number, isRoot: boolean): void => {
    const tab = '\t'.repeat(level);
    out.push(`${tab}${isRoot ? '/' : n.name} {\n`);
    for (const p of n.props) out.push(`${tab}\t${p.name}${p.value.length ? ` = ${dtsValue(p.value)}` : ''};\n`);
    for (const c of n.children) {
      out.push('\n');
      node(c, level + 1, false);
    }
    out.push(`${tab}};\n`);
  };
  node(root, 0, true);
  return out.join('');
}
