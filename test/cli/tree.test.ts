import { describe, expect, it } from 'vitest';
import { writeTree } from '../../src/cli/sysfs-tree.js';
import { Attr, Link } from '../../src/kernel/vfs/node.js';
import { Process } from '../../src/kernel/vfs/process.js';
import { Vfs } from '../../src/kernel/vfs/vfs.js';
import { TYPE_DIR, twinCli, UUID_A } from './helpers.js';

describe('vfioctl sys tree', () => {
  it('draws the twin with links as name -> target', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    await cli('sys', 'write', `${TYPE_DIR}/create`, UUID_A);
    const r = await cli('sys', 'tree', '/sys/kernel');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('/sys/kernel\n└── iommu_groups\n    └── 0\n')).toBe(true);
    expect(r.stdout).toContain(`        │   └── ${UUID_A} -> ../../../../devices/vfio_ap/matrix/${UUID_A}\n`);
    expect(r.stdout).toMatch(/\n\n4 directories, \d+ files?\n$/);
  });

  it('renders tree\'s layout exactly on a known tree', () => {
    const vfs = new Vfs();
    vfs.attach('/sys/a/z', Attr.value('z\n'));
    vfs.attach('/sys/a/B/x', Attr.wo(() => undefined));
    vfs.mkdirp('/sys/a/B/empty');
    vfs.link('/sys/a/to-dir', '/sys/a/B');
    vfs.link('/sys/a/to-file', '/sys/a/z');
    vfs.attach('/sys/a/broken', new Link('../nowhere'));
    const lines: string[] = [];
    const counts = writeTree(new Process(vfs, 1), '/sys/a', Infinity, (l) => lines.push(l));
    expect(lines.join('')).toBe(
      [
        '/sys/a',
        '├── B',
        '│   ├── empty',
        '│   └── x',
        '├── broken -> ../nowhere',
        '├── to-dir -> B',
        '├── to-file -> z',
        '└── z',
        '',
        // a link to a directory counts as a directory, as tree counts it
        '3 directories, 4 files',
        '',
      ].join('\n'),
    );
    expect(counts).toEqual({ directories: 3, files: 4 });
    const one: string[] = [];
    writeTree(new Process(vfs, 2), '/sys/a/B', Infinity, (l) => one.push(l));
    expect(one.join('')).toBe('/sys/a/B\n├── empty\n└── x\n\n1 directory, 1 file\n');
  });

  it('limits the depth with -L', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    const r = await cli('sys', 'tree', '-L', '1');
    expect(r.stdout).toBe(['/sys', '├── bus', '├── class', '├── devices', '└── kernel', '', '4 directories, 0 files', ''].join('\n'));
    const two = (await cli('sys', 'tree', '/sys/devices/vfio_ap', '-L', '2')).stdout;
    expect(two).toContain('│   ├── mdev_supported_types\n');
    expect(two).not.toContain('vfio_ap-passthrough');
  });

  it('walks the whole /sys of the doc host, including both cards and their queues', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    const out = (await cli('sys', 'tree')).stdout;
    expect(out.startsWith('/sys\n├── bus\n')).toBe(true);
    expect(out).toContain('│   │   ├── 05.00ff\n');
    expect(out).toMatch(/\n\n\d+ directories, \d+ files\n$/);
  });

  it('fails with the tree errno line and rejects a bad level', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect((await cli('sys', 'tree', '/sys/nope')).stderr).toBe('vfioctl: tree /sys/nope: ENOENT (No such file or directory)\n');
    expect((await cli('sys', 'tree', '/sys/bus/ap/apmask')).stderr).toBe('vfioctl: tree /sys/bus/ap/apmask: ENOTDIR (Not a directory)\n');
    expect(await cli('sys', 'tree', '-L', '0')).toMatchObject({ code: 2, stderr: 'vfioctl: tree: invalid level 0: must be 1 or more\n' });
    expect((await cli('sys', 'tree', '-L', 'x')).code).toBe(2);
  });

  it('lists the max host to depth 2: every card with its 256 queues', async () => {
    const { cli } = twinCli();
    await cli('host', 'init', '--preset', 'max');
    const out = (await cli('sys', 'tree', '/sys/devices/ap', '-L', '2')).stdout;
    expect(out).toContain('├── cardfe\n');
    expect(out).toContain('│   ├── fe.00ff\n');
    expect(out.split('\n').filter((l) => /^│   [├└]── fe\.00[0-9a-f]{2}$/.test(l))).toHaveLength(256);
  });
});
