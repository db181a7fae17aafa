// The dashboard in a real browser (Debian's chromium through playwright-core): the grid shows
// the kernel documentation demo's state, a conflicting assignment shows the kernel's errno
// and log line inline, a change made with the CLI appears within a second, the grid is
// keyboard operable, and a full-page screenshot is kept as an artifact.

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { browserMissing, launchChromium, type Browser } from '../../bench/chromium.js';
import { mdevPath, serveTwin, TYPE_DIR, UUID_A, UUID_B, writeBody, type Served } from './helpers.js';

const missing = browserMissing();
if (missing) console.warn(`skipping: ${missing}`);

/** Where the screenshot goes: $VFIOCTL_ARTIFACTS, else a directory under the system's temp dir. */
const ARTIFACTS = process.env.VFIOCTL_ARTIFACTS ?? join(tmpdir(), 'vfioctl-artifacts');

/** The demo's state at step 7: mdev A holds 05.0004 and 05.00ab and runs in guest1, the host took adapter 5 back, mdev B is empty. */
async function demoState(s: Served): Promise<string> {
  const w = async (path: string, value: string) => expect((await s.call('POST', '/api/v1/sys/write', writeBody(path, value))).status).toBe(200);
  await w('/sys/bus/ap/apmask', '-5,-6');
  await w('/sys/bus/ap/aqmask', '-4,-0xab');
  await w(`${TYPE_DIR}/create`, UUID_A);
  await w(`${mdevPath(UUID_A)}/assign_adapter`, '5');
  await w(`${mdevPath(UUID_A)}/assign_domain`, '4');
  await w(`${mdevPath(UUID_A)}/assign_domain`, '0xab');
  await w(`${mdevPath(UUID_A)}/assign_control_domain`, '0xab');
  await w('/sys/bus/ap/apmask', '+5');
  await w(`${TYPE_DIR}/create`, UUID_B);
  const q = await s.call('POST', '/api/v1/qemu', { argv: ['-machine', 's390-ccw-virtio', '-cpu', 'host,ap=on,apqci=on,apft=on,apqi=on', '-name', 'guest1', '-device', `vfio-ap,sysfsdev=${mdevPath(UUID_A)},id=hostdev0`] });
  expect(q.status).toBe(200);
  return q.json.vm as string;
}

/** The accessible label of the focused element (the page's code is a string: no DOM types here). */
const FOCUSED_LABEL = "document.activeElement?.getAttribute('aria-label')";

const cell = (apqn: string) => `[role=gridcell][aria-label^="${apqn} "]`;

describe.skipIf(missing !== undefined)('the dashboard in chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => browser?.close());

  it("shows the demo's grid, refuses a conflicting click with the kernel's errno and line, follows the CLI within 1 s", async () => {
    const s = await serveTwin();
    const vm = await demoState(s);
    const page = await browser.context.newPage();
    await page.goto(`${s.url}/`);
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.getAttribute(cell('05.0004'), 'aria-label')).toBe(`05.0004 owned by mdev ${UUID_A}, in use by guest ${vm}`);
    expect(await page.getAttribute(cell('05.00ab'), 'aria-label')).toBe(`05.00ab owned by mdev ${UUID_A}, in use by guest ${vm}`);
    expect(await page.getAttribute(cell('05.0047'), 'aria-label')).toBe('05.0047 owned by the host zcrypt driver');
    expect(await page.getAttribute(cell('06.0004'), 'aria-label')).toBe('06.0004 bound to vfio_ap, free');
    expect(await page.getAttribute('[role=columnheader][aria-label="domain 00ab, control domain"]', 'title')).toBe('domain 00ab, also a control domain');
    await expect(page.textContent('#mdevs')).resolves.toContain(vm);

    // mdev B takes domain 0xab, then adapter 5: 05.00ab is mdev A's, so the kernel refuses
    await page.selectOption('#mdevsel', UUID_B);
    await page.click(cell('05.00ab'));
    await page.click('button[data-attr=assign_domain]');
    await page.waitForSelector('#result .ok');
    await page.click('button[data-attr=assign_adapter]');
    await page.waitForSelector('#result .err');
    const refusal = (await page.textContent('#result .err'))!;
    expect(refusal).toContain('EADDRINUSE (Address already in use)');
    expect(refusal).toMatch(new RegExp(`vfio_ap_mdev ${UUID_B}: Userspace may not assign queue 05.00ab to mdev: already assigned to ${UUID_A}`));

    // a CLI write on the served state appears in the page within a second
    const t0 = Date.now();
    expect((await runCli(['--state', s.state, 'sys', 'write', '/sys/bus/ap/apmask', '+6'])).code).toBe(0);
    // (the page's code is a string: this project's TypeScript has no DOM types)
    await page.waitForFunction(`document.querySelector('${cell('06.0047')}')?.getAttribute('aria-label')?.endsWith('owned by the host zcrypt driver')`, undefined, { timeout: 1000 });
    expect(Date.now() - t0).toBeLessThan(1000);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.VFIOCTL_UPDATE_DOCS) await page.screenshot({ path: join(import.meta.dirname, '../../docs/dashboard.png'), fullPage: true });
    console.log(`dashboard screenshot: ${shot}`);
    await page.close();
  }, 60_000);

  it('is keyboard operable: arrows move the focus, Enter selects the queue', async () => {
    const s = await serveTwin();
    const page = await browser.context.newPage();
    await page.goto(`${s.url}/`);
    await page.waitForSelector('body[data-ready=true]');
    await page.focus(cell('05.0004'));
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    expect(await page.textContent('#selq')).toBe('06.0047 owned by the host zcrypt driver');
    expect(await page.evaluate(FOCUSED_LABEL)).toBe('06.0047 owned by the host zcrypt driver');
    await page.close();
  }, 60_000);

  it('asks for the bearer token when the server has one, then works with it', async () => {
    const dir = (await serveTwin()).dir;
    writeFileSync(join(dir, 'token'), 'page-token\n');
    const s = await serveTwin({ tokenFile: join(dir, 'token') });
    const page = await browser.context.newPage();
    await page.goto(`${s.url}/`);
    await page.waitForSelector('#auth:not([hidden])');
    await page.fill('#token', 'page-token');
    await page.click('#authform button');
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.getAttribute(cell('05.0004'), 'aria-label')).toBe('05.0004 owned by the host zcrypt driver');
    await page.waitForSelector('#live.on');
    await page.close();
  }, 60_000);

  it("renders the max preset's 256 x 256 grid and stays responsive", async () => {
    const s = await serveTwin({ preset: 'max' });
    const page = await browser.context.newPage();
    await page.goto(`${s.url}/`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 20_000 });
    expect(await page.getAttribute('#grid', 'aria-rowcount')).toBe('257');
    expect(await page.getAttribute('#grid', 'aria-colcount')).toBe('257');
    await page.focus('[role=gridcell]');
    for (let i = 0; i < 40; i++) await page.keyboard.press('PageDown');
    await page.keyboard.press('End');
    const label = await page.evaluate(FOCUSED_LABEL);
    expect(label).toMatch(/^ff\.00ff /);
    await page.close();
  }, 60_000);
});
