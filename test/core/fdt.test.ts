// Flattened device trees: the blob codec round-trips, and `dtc -I dtb -O dts` (the peer)
// decodes what encodeFdt writes into exactly what formatDts prints.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dtcDecode, hasDtc } from '../dtc-peer.js';
import { FdtNode, decodeFdt, encodeFdt, fdtCells, fdtReadCells, fdtReadStrings, fdtStrings, formatDts } from '../../src/core/fdt.js';


function sample(): FdtNode {
  const root = new FdtNode('');
  root.setProp('compatible', fdtStrings('linux,dummy-virt'));
  root.setProp('#address-cells', fdtCells([2]));
  root.setProp('#size-cells', fdtCells([2]));
  root.setProp('interrupt-parent', fdtCells([0x8002]));
  root.addSubnode('chosen').setProp('stdout-path', fdtStrings('/pl011@9000000'));
  const bus = root.addSubnode('platform-bus@c000000');
  bus.setProp('compatible', fdtStrings(['qemu,platform', 'simple-bus']));
  const dev = bus.addSubnode('fff51000.ethernet@0');
  dev.setProp('compatible', fdtStrings('calxeda,hb-xgmac'));
  dev.setProp('dma-coherent', new Uint8Array(0));
  dev.setProp('reg', fdtCells([0, 0x1000]));
  dev.setProp('interrupts', fdtCells([0, 112, 4, 0, 113, 4]));
  dev.setProp('mac-address', new Uint8Array([2, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5]));
  dev.setProp('label', fdtStrings('tab\there "q" \\'));
  return root;
}

describe('property encodings', () => {
  it('strings are NUL-terminated; cells are big-endian', () => {
    expect([...fdtStrings(['a', 'bc'])]).toEqual([0x61, 0, 0x62, 0x63, 0]);
    expect([...fdtCells([0x12345678])]).toEqual([0x12, 0x34, 0x56, 0x78]);
    expect(fdtReadCells(fdtCells([1, 0xffffffff]))).toEqual([1, 0xffffffff]);
    expect(fdtReadStrings(fdtStrings(['qemu,platform', 'simple-bus']))).toEqual(['qemu,platform', 'simple-bus']);
  });

  it('libfdt order: new properties and subnodes go first; setting an existing property keeps its place', () => {
    const n = new FdtNode('x');
    n.setProp('a', fdtCells([1]));
    n.setProp('b', fdtCells([2]));
    n.setProp('a', fdtCells([3]));
    expect(n.props.map((p) => p.name)).toEqual(['b', 'a']);
    expect(fdtReadCells(n.prop('a')!)).toEqual([3]);
    n.addSubnode('c1');
    n.addSubnode('c2');
    expect(n.children.map((c) => c.name)).toEqual(['c2', 'c1']);
  });
});

describe('the blob', () => {
  it('decodes to the tree it was encoded from, padded or not', () => {
    const root = sample();
    for (const totalsize of [undefined, 0x100000]) {
      const blob = encodeFdt(root, { totalsize });
      if (totalsize) expect(blob.length).toBe(totalsize);
      expect(formatDts(decodeFdt(blob))).toBe(formatDts(root));
    }
    expect(() => decodeFdt(new Uint8Array(64))).toThrow('bad magic');
  });

  it.skipIf(!hasDtc)('dtc -I dtb -O dts prints exactly formatDts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vfioctl-fdt-'));
    const file = join(dir, 'sample.dtb');
    writeFileSync(file, encodeFdt(sample()));
    const peer = dtcDecode(file);
    expect(formatDts(sample())).toBe(peer);
  });
});
