// The event stream: a client that follows /api/v1/events sees what the kernel logged, the
// uevents a udev monitor would, the VMM's trace steps, and a change notice for every change,
// whether it came through the API or through the CLI routed into the server.

import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { mdevPath, serveTwin, TYPE_DIR, UUID_A, writeBody } from './helpers.js';
import { openEvents } from './sse-client.js';

describe('GET /api/v1/events', () => {
  it('starts with hello, then tells a write as log lines, uevents and a change', async () => {
    const s = await serveTwin();
    const ev = await openEvents(`${s.url}/api/v1/events`);
    try {
      const hello = await ev.next();
      expect(hello.event).toBe('hello');
      expect(hello.data).toMatchObject({ generation: 0, next: 1 });
      await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, UUID_A));
      const log = await ev.next((e) => e.event === 'log');
      expect(log.data).toMatchObject({ seq: 1, text: `vfio_ap_mdev ${UUID_A}: Adding to iommu group 0` });
      const add = await ev.next((e) => e.event === 'uevent');
      expect(add.data).toEqual({
        type: 'uevent',
        action: 'add',
        devpath: `/devices/vfio_ap/matrix/${UUID_A}`,
        subsystem: 'mdev',
        properties: { ACTION: 'add', DEVPATH: `/devices/vfio_ap/matrix/${UUID_A}`, SUBSYSTEM: 'mdev', SEQNUM: '1' },
      });
      expect((await ev.next((e) => e.event === 'uevent')).data.action).toBe('bind');
      const change = await ev.next((e) => e.event === 'change');
      expect(change.data).toMatchObject({ generation: 1, cause: `write ${TYPE_DIR}/create` });
    } finally {
      ev.close();
    }
  });

  it('tells the queues an apmask write takes from the host driver as unbind and bind uevents', async () => {
    const s = await serveTwin();
    const ev = await openEvents(`${s.url}/api/v1/events`);
    try {
      await ev.next();
      await s.call('POST', '/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', '-5'));
      const unbind = await ev.next((e) => e.event === 'uevent' && e.data.devpath === '/devices/ap/card05/05.00ab');
      expect(unbind.data).toMatchObject({ action: 'unbind', subsystem: 'ap', properties: { DEVTYPE: 'ap_queue', DRIVER: 'cex4queue' } });
      const bind = await ev.next((e) => e.event === 'uevent' && e.data.devpath === '/devices/ap/card05/05.00ab');
      expect(bind.data).toMatchObject({ action: 'bind', properties: { DRIVER: 'vfio_ap' } });
    } finally {
      ev.close();
    }
  });

  it('tells a change made by the CLI while the state is served', async () => {
    const s = await serveTwin();
    await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, UUID_A));
    const ev = await openEvents(`${s.url}/api/v1/events`);
    try {
      await ev.next();
      expect((await runCli(['--state', s.state, 'sys', 'write', `${mdevPath(UUID_A)}/assign_control_domain`, '4'])).code).toBe(0);
      const change = await ev.next((e) => e.event === 'change');
      expect(change.data.cause).toBe(`cli sys write ${mdevPath(UUID_A)}/assign_control_domain 4`);
    } finally {
      ev.close();
    }
  });

  it("tells QEMU's realize steps as trace events", async () => {
    const s = await serveTwin();
    await s.call('POST', '/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', '-5,-6'));
    await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, UUID_A));
    await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(UUID_A)}/assign_adapter`, '5'));
    const ev = await openEvents(`${s.url}/api/v1/events`);
    try {
      await ev.next();
      const q = await s.call('POST', '/api/v1/qemu', { argv: ['-M', 's390-ccw-virtio', '-accel', 'kvm', '-device', `vfio-ap,sysfsdev=${mdevPath(UUID_A)}`] });
      expect(q.status).toBe(200);
      const t = await ev.next((e) => e.event === 'trace');
      expect(t.data).toMatchObject({ type: 'trace', vm: q.json.vm });
      expect(typeof t.data.event).toBe('string');
    } finally {
      ev.close();
    }
  });
});
