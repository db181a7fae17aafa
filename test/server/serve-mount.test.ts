// `vfioctl serve --mount DIR`: one process, one twin, served over HTTP and as a FUSE mount.
// A write through the mount shows in the API and its event stream at once; a write through
// the API shows in `cat` through the mount; a CLI command still runs inside the process;
// `vfioctl umount DIR` ends the whole server, as it ends `vfioctl mount`.

import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startServer } from '../../src/server/serve.js';
import { cleanupDirs, cli, sh, skipNote, twinDir } from '../fuse/helpers.js';
import { mdevPath, TYPE_DIR, UUID_A } from './helpers.js';
import { openEvents } from './sse-client.js';

const skip = skipNote('serve --mount (FUSE)');

describe.skipIf(skip !== undefined)('vfioctl serve --mount', () => {
  afterAll(cleanupDirs);

  it('serves one twin over HTTP and FUSE; umount ends the server', async () => {
    const t = await twinDir();
    const s = await startServer({ listen: '127.0.0.1:0', state: t.state, mount: t.mnt, runCli: main });
    let stopped = false;
    try {
      const ev = await openEvents(`${s.url}/api/v1/events`);
      await ev.next();
      expect((await sh(`echo -5 > ${t.mnt}/bus/ap/apmask`)).code).toBe(0);
      const w = await sh(`echo ${UUID_A} > ${t.mnt}/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create`);
      expect(w).toMatchObject({ code: 0, stderr: '' });
      expect((await ev.next((e) => e.event === 'change' && e.data.cause.endsWith('/create'))).data.cause).toBe(`write ${TYPE_DIR}/create`);
      ev.close();
      const ls = (await (await fetch(`${s.url}/api/v1/sys/ls?path=/sys/bus/mdev/devices`)).json()) as { names: string[] };
      expect(ls.names).toEqual([UUID_A]);
      const post = await fetch(`${s.url}/api/v1/sys/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: `${mdevPath(UUID_A)}/assign_adapter`, value: '5' }) });
      expect(post.status).toBe(200);
      expect((await sh(`cat ${t.mnt}/devices/vfio_ap/matrix/${UUID_A}/matrix`)).stdout).toBe('05.\n');
      // a CLI command on the state runs inside the server, and the mount sees its change
      expect(await cli(t.state, 'sys', 'write', `${mdevPath(UUID_A)}/assign_domain`, '0xab')).toEqual({ code: 0, stdout: '', stderr: '' });
      expect((await sh(`cat ${t.mnt}/devices/vfio_ap/matrix/${UUID_A}/matrix`)).stdout).toBe('05.00ab\n');
      // a refused write through the mount is the kernel's errno, as bash prints it
      const bad = await sh(`echo 0xab > ${t.mnt}/devices/vfio_ap/matrix/${UUID_A}/assign_domain_nope`);
      expect(bad.code).not.toBe(0);
      expect(await cli(t.state, 'umount', t.mnt)).toEqual({ code: 0, stdout: '', stderr: '' });
      await s.ended;
      stopped = true;
      expect((await cli(t.state, 'sys', 'read', `${mdevPath(UUID_A)}/matrix`)).stdout).toBe('05.00ab\n');
    } finally {
      if (!stopped) await s.stop();
    }
  }, 60_000);

  it('refuses a separate mount of a state that serve serves', async () => {
    const t = await twinDir();
    const s = await startServer({ listen: '127.0.0.1:0', state: t.state, runCli: main });
    try {
      const r = await cli(t.state, 'mount', t.mnt);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`vfioctl: ${t.state} is already served at ${s.url} (pid ${process.pid})\n`);
    } finally {
      await s.stop();
    }
  }, 30_000);
});
