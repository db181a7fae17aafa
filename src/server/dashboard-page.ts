// The dashboard: one self-contained page (no CDN, so it works offline) — the adapter x domain
// grid coloured by owner, panels for the mdevs, the VMs and the live kernel log, and actions
// that write the twin's sysfs as an admin would. The script is dashboard-script.ts.

import { dashboardScript } from './dashboard-script.js';
import { dashboardStyle } from './dashboard-style.js';

export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vfioctl — AP matrix</title>
<style>${dashboardStyle}</style>
</head>
<body>
<header>
  <h1>vfioctl <span class="sub">AP adapter × domain matrix</span></h1>
  <p id="summary" aria-live="polite">loading…</p>
  <p id="live" class="badge" role="status">connecting…</p>
</header>
<div id="auth" hidden>
  <form id="authform"><label>Bearer token <input id="token" type="password" autocomplete="off"></label> <button>Use</button></form>
</div>
<main>
  <section aria-labelledby="gridh" class="gridsec">
    <h2 id="gridh">Queues</h2>
    <ul class="legend" aria-label="legend">
      <li><span class="sw host">H</span> host zcrypt driver</li>
      <li><span class="sw free">·</span> vfio_ap, free</li>
      <li><span class="sw m0">1</span> in an mdev (number = mdev)</li>
      <li><span class="sw m0 used">1</span> in use by a guest</li>
      <li><span class="sw unbound">–</span> no driver</li>
      <li><span class="cd">C</span> control domain</li>
    </ul>
    <p class="hint">Click a queue (or move with the arrow keys and press Enter), then pick an action for the selected mdev.</p>
    <div id="grid" role="grid" aria-label="AP queues: adapters by domains" tabindex="-1"><div id="spacer"></div></div>
  </section>
  <aside>
    <section aria-labelledby="acth" id="actions">
      <h2 id="acth">Actions</h2>
      <p>Queue: <strong id="selq">none selected</strong></p>
      <label>mdev <select id="mdevsel"></select></label>
      <div class="buttons">
        <button id="create">Create mdev</button>
        <button id="remove">Remove mdev</button>
      </div>
      <div class="buttons" id="assignbtns">
        <button data-attr="assign_adapter">Assign adapter</button>
        <button data-attr="assign_domain">Assign domain</button>
        <button data-attr="assign_control_domain">Assign control domain</button>
        <button data-attr="unassign_adapter">Unassign adapter</button>
        <button data-attr="unassign_domain">Unassign domain</button>
        <button data-attr="unassign_control_domain">Unassign control domain</button>
      </div>
      <div id="result" role="alert"></div>
    </section>
    <section aria-labelledby="mdevh"><h2 id="mdevh">mdevs</h2><div id="mdevs"></div></section>
    <section aria-labelledby="vmh"><h2 id="vmh">VMs</h2><div id="vms"></div></section>
  </aside>
  <section aria-labelledby="logh" class="logsec">
    <h2 id="logh">Kernel log</h2>
    <pre id="log" aria-live="polite" tabindex="0"></pre>
  </section>
</main>
<script>${dashboardScript}</script>
</body>
</html>
`;
}
