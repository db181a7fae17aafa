// Contract test: a tree written by `host export` and read back from disk matches the
// twin's own reads, entry for entry; and both SysfsReader implementations agree.

import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Host } from '../../src/kernel/host.js';
import { presetSpec } from '../../src/kernel/host-spec.js';
import { writeText, type Syscalls } from '../../src/kernel/syscall-surface.js';
import { directoryReader } from '../../src/manage/dir-reader.js';
import { exportSysfs, type ExportReport } from '../../src/manage/export.js';
import { formatLszcrypt, lszcryptTable } from '../../src/manage/lszcrypt.js';
import { readBytes } from '../../src/manage/syscall-io.js';
import { syscallsReader, type SysfsReader } from '../../src/manage/sysfs-reader.js';

const UUID_A = '62177883-f1bb-47f0-914d-32a22e3a8804';
const UUID_B = '669d9b23-fe1b-4ecb-be08-a2fabca99b71';
const TYPE_DIR = '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough';

interface Entry {
  path: string;
  kind: 'dir' | 'file' | 'link' | 'chr';
  mode: number;
}

/** Every entry under `root` in the twin, without following links. */
function twinEntries(sys: Syscalls, root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (dir: string): void => {
    for (const name of sys.readdir(dir)) {
      const path = `${dir}/${name}`;
      const st = sys.lstat(path);
      out.push({ path, kind: st.kind, mode: st.mode });
      if (st.kind === 'dir') walk(path);
    }
  };
  walk(root);
  return out;
}

function diskEntries(root: string, dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    return lstatSync(join(root, path)).isDirectory() ? [path, ...diskEntries(root, path)] : [path];
  });
}

let host: Host;
let sys: Syscalls;
let dest: string;
let report: ExportReport;

beforeAll(() => {
  host = Host.boot(presetSpec('doc'));
  sys = host.process();
  writeText(sys, '/sys/bus/ap/apmask', '-5,-6\n');
  writeText(sys, '/sys/bus/ap/aqmask', '-4,-0xab\n');
  for (const u of [UUID_A, UUID_B]) writeText(sys, `${TYPE_DIR}/create`, `${u}\n`);
  for (const [f, v] of [['assign_adapter', '5'], ['assign_domain', '4'], ['assign_domain', '0xab'], ['assign_control_domain', '0xab']])
    writeText(sys, `/sys/devices/vfio_ap/matrix/${UUID_A}/${f}`, `${v}\n`);
  writeText(sys, `/sys/devices/vfio_ap/matrix/${UUID_B}/assign_adapter`, '6\n');
  dest = mkdtempSync(join(tmpdir(), 'vfioctl-export-'));
  report = exportSysfs(sys, dest);
});

afterAll(() => rmSync(dest, { recursive: true, force: true }));

describe('host export', () => {
  it('exports exactly the entries of the twin /sys, nothing more', () => {
    const twin = twinEntries(sys, '/sys');
    expect(diskEntries(dest, '/sys').sort()).toEqual(twin.map((e) => e.path).sort());
    const count = (k: Entry['kind']) => twin.filter((e) => e.kind === k).length;
    expect(report).toMatchObject({ directories: count('dir') + 1, files: count('file'), links: count('link'), skipped: [], unreadable: [] });
  });

  it("gives every file the twin's read content and mode; write-only files are empty 0200 files", () => {
    let writeOnly = 0;
    for (const e of twinEntries(sys, '/sys').filter((x) => x.kind === 'file')) {
      const st = lstatSync(join(dest, e.path));
      expect(st.isFile(), e.path).toBe(true);
      expect(st.mode & 0o777, e.path).toBe(e.mode);
      const disk = readFileSync(join(dest, e.path));
      if (e.mode & 0o444) expect(disk.equals(Buffer.from(readBytes(sys, e.path))), e.path).toBe(true);
      else {
        expect(e.mode).toBe(0o200);
        expect(disk.length, e.path).toBe(0);
        writeOnly++;
      }
    }
    // assign_*, unassign_*, remove per mdev, create, bind/unbind, ...
    expect(writeOnly).toBeGreaterThan(14);
  });

  it('keeps every symlink with the relative target the kernel made, and the links resolve on disk', () => {
    for (const e of twinEntries(sys, '/sys').filter((x) => x.kind === 'link')) {
      expect(readlinkSync(join(dest, e.path)), e.path).toBe(sys.readlink(e.path));
    }
    expect(readFileSync(join(dest, `/sys/bus/mdev/devices/${UUID_A}/matrix`), 'latin1')).toBe('05.0004\n05.00ab\n');
    expect(readdirSync(join(dest, `/sys/devices/vfio_ap/matrix/${UUID_A}/iommu_group/devices`))).toEqual([UUID_A]);
  });

  it('answers every read, readdir, readlink and exists the same through both readers', () => {
    const twin = syscallsReader(sys);
    const disk = directoryReader(dest);
    const same = (r: SysfsReader, path: string, f: (r: SysfsReader, p: string) => unknown): unknown => {
      try {
        return f(r, path);
      } catch {
        return 'ERR';
      }
    };
    for (const e of twinEntries(sys, '/sys')) {
      for (const op of [(r: SysfsReader, p: string) => r.exists(p), (r: SysfsReader, p: string) => r.readlink(p)])
        expect(same(disk, e.path, op), e.path).toEqual(same(twin, e.path, op));
      if (e.kind === 'dir') expect(disk.readdir(e.path)).toEqual(twin.readdir(e.path));
      if (e.kind === 'file' && e.mode & 0o444) expect(disk.read(e.path), e.path).toBe(twin.read(e.path));
    }
  });

  it('gives lszcrypt the same table on the exported tree as on the twin', () => {
    for (const verbose of [false, true]) {
      const onDisk = formatLszcrypt(lszcryptTable(directoryReader(dest), { verbose }));
      expect(onDisk).toBe(formatLszcrypt(lszcryptTable(syscallsReader(sys), { verbose })));
      expect(onDisk).toContain(verbose ? '05.0004  CEX5C CCA-Coproc  assigned' : '06       CEX5A Accelerator online');
    }
  });
});
