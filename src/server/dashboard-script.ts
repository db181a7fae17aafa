// The dashboard's script (plain browser JavaScript, no libraries): fetches the grid, the VMs
// and the log, follows /api/v1/events to refresh within a second of any change, renders only
// the grid cells in view (a 256 x 256 host stays responsive) with ARIA grid semantics and
// arrow-key navigation, and turns clicks into the sysfs writes an admin would make.

export const dashboardScript = `
'use strict';
(function () {
  var API = '/api/v1';
  var token = sessionStorage.getItem('vfioctl-token') || '';
  var grid = null;
  var focus = { r: 0, c: 0 };
  var selected = null;
  var cellPx = 26;
  var gridEl = document.getElementById('grid');
  var spacer = document.getElementById('spacer');
  var mdevSel = document.getElementById('mdevsel');
  var result = document.getElementById('result');
  var logEl = document.getElementById('log');
  var TYPE_DIR = '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough';
  var MATRIX = '/sys/devices/vfio_ap/matrix/';

  function hex(n, w) { var s = n.toString(16); while (s.length < w) s = '0' + s; return s; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (ch) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[ch]; }); }
  function headers(json) {
    var h = {};
    if (json) h['content-type'] = 'application/json';
    if (token) h.authorization = 'Bearer ' + token;
    return h;
  }
  function api(method, path, body) {
    return fetch(API + path, { method: method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) }).then(function (res) {
      if (res.status === 401) { document.getElementById('auth').hidden = false; throw new Error('a bearer token is required'); }
      return res.text().then(function (t) { return { status: res.status, json: t ? JSON.parse(t) : null }; });
    });
  }

  function apqn(r, c) { return hex(grid.adapters[r], 2) + '.' + hex(grid.domains[c], 4); }
  function owner(r, c) { return grid.cells[r * grid.domains.length + c]; }
  function describe(r, c) {
    var code = owner(r, c);
    var name = apqn(r, c);
    if (code === 0) return name + ': no queue';
    if (code === 1) return name + ' owned by the host zcrypt driver';
    if (code === 2) return name + ' bound to vfio_ap, free';
    if (code === 3) return name + ' bound to no driver';
    var m = grid.mdevs[code - 4];
    return name + ' owned by mdev ' + m.uuid + (m.vm ? ', in use by guest ' + m.vm : '');
  }
  function cellClass(r, c) {
    var code = owner(r, c);
    var cls = code === 1 ? 'host' : code === 2 ? 'free' : code === 3 ? 'unbound' : code === 0 ? 'none' : 'm' + ((code - 4) % 8) + (grid.mdevs[code - 4].vm ? ' used' : '');
    var m = currentMdev();
    if (m && m.matrix.adapters.indexOf(grid.adapters[r]) >= 0 && m.matrix.domains.indexOf(grid.domains[c]) >= 0) cls += ' inmdev';
    if (selected && selected.r === r && selected.c === c) cls += ' sel';
    return cls;
  }
  function cellText(r, c) {
    var code = owner(r, c);
    if (cellPx < 20) return '';
    return code === 1 ? 'H' : code === 2 ? '·' : code === 3 ? '–' : code === 0 ? '' : String(code - 3);
  }
  function currentMdev() {
    if (!grid) return null;
    for (var i = 0; i < grid.mdevs.length; i++) if (grid.mdevs[i].uuid === mdevSel.value) return grid.mdevs[i];
    return null;
  }

  // only the rows and columns in view are in the DOM (aria-rowindex/aria-colindex give their place)
  function render() {
    if (!grid) return;
    var rows = grid.adapters.length, cols = grid.domains.length;
    var view = gridEl.getBoundingClientRect();
    var r0 = Math.max(0, Math.floor(gridEl.scrollTop / cellPx) - 2), r1 = Math.min(rows, Math.ceil((gridEl.scrollTop + view.height) / cellPx) + 2);
    var c0 = Math.max(0, Math.floor(gridEl.scrollLeft / cellPx) - 2), c1 = Math.min(cols, Math.ceil((gridEl.scrollLeft + view.width) / cellPx) + 2);
    var cd = {};
    grid.controlDomains.forEach(function (d) { cd[d] = true; });
    var top = gridEl.scrollTop, left = gridEl.scrollLeft;
    var html = ['<div class="row" role="row" aria-rowindex="1" style="top:' + top + 'px;z-index:2">'];
    html.push('<div class="h corner" role="columnheader" aria-colindex="1" style="left:' + left + 'px">AP</div>');
    for (var c = c0; c < c1; c++) {
      var d = grid.domains[c];
      html.push('<div class="h' + (cd[d] ? ' cdom' : '') + '" role="columnheader" aria-colindex="' + (c + 2) + '" style="left:' + ((c + 1) * cellPx) + 'px" title="domain ' + hex(d, 4) + (cd[d] ? ', also a control domain' : '') + '" aria-label="domain ' + hex(d, 4) + (cd[d] ? ', control domain' : '') + '">' + (cellPx < 20 ? '' : hex(d, 2)) + '</div>');
    }
    html.push('</div>');
    for (var r = r0; r < r1; r++) {
      html.push('<div class="row" role="row" aria-rowindex="' + (r + 2) + '" style="top:' + ((r + 1) * cellPx) + 'px">');
      html.push('<div class="h" role="rowheader" aria-colindex="1" style="left:' + left + 'px" title="adapter ' + hex(grid.adapters[r], 2) + ' ' + esc(grid.types[r]) + '" aria-label="adapter ' + hex(grid.adapters[r], 2) + ' ' + esc(grid.types[r]) + '">' + (cellPx < 20 ? '' : hex(grid.adapters[r], 2)) + '</div>');
      for (var c2 = c0; c2 < c1; c2++) {
        var isFocus = focus.r === r && focus.c === c2;
        html.push('<div class="c ' + cellClass(r, c2) + '" role="gridcell" id="c-' + r + '-' + c2 + '" aria-colindex="' + (c2 + 2) + '" tabindex="' + (isFocus ? 0 : -1) + '" aria-selected="' + (selected && selected.r === r && selected.c === c2 ? 'true' : 'false') + '" aria-label="' + esc(describe(r, c2)) + '" title="' + esc(describe(r, c2)) + '" style="left:' + ((c2 + 1) * cellPx) + 'px">' + cellText(r, c2) + '</div>');
      }
      html.push('</div>');
    }
    var hadFocus = document.activeElement && document.activeElement.classList && document.activeElement.classList.contains('c');
    spacer.innerHTML = html.join('');
    if (hadFocus) focusCell(false);
  }
  var pending = false;
  function scheduleRender() { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; render(); }); } }

  function layout() {
    var cells = grid.adapters.length * grid.domains.length;
    cellPx = cells > 4096 ? 14 : cells > 256 ? 26 : 40;
    document.documentElement.style.setProperty('--cell', cellPx + 'px');
    spacer.style.width = (grid.domains.length + 1) * cellPx + 'px';
    spacer.style.height = (grid.adapters.length + 1) * cellPx + 'px';
    gridEl.setAttribute('aria-rowcount', String(grid.adapters.length + 1));
    gridEl.setAttribute('aria-colcount', String(grid.domains.length + 1));
  }

  function focusCell(scroll) {
    if (scroll) {
      var y = (focus.r + 1) * cellPx, x = (focus.c + 1) * cellPx;
      if (y - cellPx < gridEl.scrollTop) gridEl.scrollTop = y - cellPx;
      if (y + cellPx > gridEl.scrollTop + gridEl.clientHeight) gridEl.scrollTop = y + cellPx - gridEl.clientHeight;
      if (x - cellPx < gridEl.scrollLeft) gridEl.scrollLeft = x - cellPx;
      if (x + cellPx > gridEl.scrollLeft + gridEl.clientWidth) gridEl.scrollLeft = x + cellPx - gridEl.clientWidth;
      render();
    }
    var el = document.getElementById('c-' + focus.r + '-' + focus.c);
    if (el) el.focus({ preventScroll: true });
  }

  function select(r, c) {
    selected = { r: r, c: c };
    focus = { r: r, c: c };
    document.getElementById('selq').textContent = describe(r, c);
    render();
    focusCell(false);
  }

  gridEl.addEventListener('scroll', scheduleRender);
  window.addEventListener('resize', scheduleRender);
  gridEl.addEventListener('click', function (e) {
    var t = e.target.closest('.c');
    if (!t) return;
    var p = t.id.split('-');
    select(Number(p[1]), Number(p[2]));
  });
  gridEl.addEventListener('keydown', function (e) {
    if (!grid) return;
    var rows = grid.adapters.length, cols = grid.domains.length, f = { r: focus.r, c: focus.c };
    if (e.key === 'ArrowDown') f.r = Math.min(rows - 1, f.r + 1);
    else if (e.key === 'ArrowUp') f.r = Math.max(0, f.r - 1);
    else if (e.key === 'ArrowRight') f.c = Math.min(cols - 1, f.c + 1);
    else if (e.key === 'ArrowLeft') f.c = Math.max(0, f.c - 1);
    else if (e.key === 'Home') f.c = 0;
    else if (e.key === 'End') f.c = cols - 1;
    else if (e.key === 'PageDown') f.r = Math.min(rows - 1, f.r + 10);
    else if (e.key === 'PageUp') f.r = Math.max(0, f.r - 10);
    else if (e.key === 'Enter' || e.key === ' ') { select(f.r, f.c); e.preventDefault(); return; }
    else return;
    e.preventDefault();
    focus = f;
    focusCell(true);
  });

  function showResult(r, what) {
    if (r.status < 300) { result.innerHTML = '<p class="ok">' + esc(what) + ': done</p>'; return; }
    var j = r.json || {};
    if (j.errno) {
      result.innerHTML = '<div class="err"><strong>' + esc(j.errno) + '</strong> (' + esc(j.message) + ') on ' + esc(j.op) + ' <code>' + esc(j.path) + '</code>' +
        (j.log && j.log.length ? '<pre>' + esc(j.log.join('\\n')) + '</pre>' : '') + '</div>';
    } else result.innerHTML = '<div class="err">' + esc(j.error || JSON.stringify(j)) + '</div>';
  }
  function sysWrite(path, value, what) {
    return api('POST', '/sys/write', { path: path, value: value }).then(function (r) { showResult(r, what); return refresh(); });
  }
  document.getElementById('create').addEventListener('click', function () {
    var uuid = crypto.randomUUID();
    sysWrite(TYPE_DIR + '/create', uuid, 'create ' + uuid).then(function () { mdevSel.value = uuid; render(); });
  });
  document.getElementById('remove').addEventListener('click', function () {
    if (!mdevSel.value) return;
    sysWrite(MATRIX + mdevSel.value + '/remove', '1', 'remove ' + mdevSel.value);
  });
  document.getElementById('assignbtns').addEventListener('click', function (e) {
    var b = e.target.closest('button');
    if (!b) return;
    var attr = b.getAttribute('data-attr');
    if (!mdevSel.value) { result.innerHTML = '<div class="err">create or pick an mdev first</div>'; return; }
    if (!selected) { result.innerHTML = '<div class="err">click a queue first</div>'; return; }
    var id = attr.indexOf('adapter') >= 0 ? '0x' + hex(grid.adapters[selected.r], 2) : '0x' + hex(grid.domains[selected.c], 4);
    sysWrite(MATRIX + mdevSel.value + '/' + attr, id, attr + ' ' + id);
  });
  mdevSel.addEventListener('change', render);

  function panels(vms) {
    var keep = mdevSel.value;
    mdevSel.innerHTML = grid.mdevs.map(function (m, i) { return '<option value="' + m.uuid + '">' + (i + 1) + ': ' + m.uuid + '</option>'; }).join('');
    if (keep && grid.mdevs.some(function (m) { return m.uuid === keep; })) mdevSel.value = keep;
    var ids = function (l, w) { return l.length ? l.map(function (x) { return hex(x, w); }).join(',') : '–'; };
    document.getElementById('mdevs').innerHTML = grid.mdevs.length ? '<table><thead><tr><th>#</th><th>mdev</th><th>matrix (A / D / C)</th><th>guest_matrix</th><th>VM</th></tr></thead><tbody>' +
      grid.mdevs.map(function (m, i) {
        return '<tr><td><span class="sw m' + (i % 8) + '">' + (i + 1) + '</span></td><td><code>' + m.uuid + '</code></td><td>' + ids(m.matrix.adapters, 2) + ' / ' + ids(m.matrix.domains, 4) + ' / ' + ids(m.matrix.controlDomains, 4) +
          '</td><td>' + ids(m.guestMatrix.adapters, 2) + ' / ' + ids(m.guestMatrix.domains, 4) + ' / ' + ids(m.guestMatrix.controlDomains, 4) + '</td><td>' + esc(m.vm || '–') + '</td></tr>';
      }).join('') + '</tbody></table>' : '<p>none</p>';
    document.getElementById('vms').innerHTML = vms.length ? '<table><thead><tr><th>VM</th><th>status</th><th>machine</th><th>devices</th></tr></thead><tbody>' +
      vms.map(function (v) {
        return '<tr><td>' + esc(v.id) + '</td><td>' + esc(v.status) + '</td><td>' + esc(v.machine) + '</td><td>' + v.devices.map(function (d) { return esc(d.type + ':' + (d.sysfsdev || d.name || '').split('/').pop()); }).join('<br>') + '</td></tr>';
      }).join('') + '</tbody></table>' : '<p>none</p>';
    var inUse = grid.mdevs.filter(function (m) { return m.vm; }).length;
    document.getElementById('summary').textContent = grid.adapters.length + ' adapters × ' + grid.domains.length + ' domains, ' + grid.controlDomains.length + ' control domains; ' + grid.mdevs.length + ' mdevs (' + inUse + ' in use); ' + vms.length + ' VMs';
  }

  var refreshing = null, again = false;
  function refresh() {
    if (refreshing) { again = true; return refreshing; }
    refreshing = Promise.all([api('GET', '/grid'), api('GET', '/vms')]).then(function (rs) {
      if (rs[0].status !== 200) { document.getElementById('summary').textContent = (rs[0].json && rs[0].json.error) || 'no AP bus'; return; }
      var first = !grid;
      grid = rs[0].json;
      document.body.setAttribute('data-generation', String(grid.generation));
      if (first) layout();
      panels(rs[1].json || []);
      render();
      if (first) document.body.setAttribute('data-ready', 'true');
    }).finally(function () {
      refreshing = null;
      if (again) { again = false; refresh(); }
    });
    return refreshing;
  }

  var logLines = [];
  function addLog(lines) {
    logLines = logLines.concat(lines).slice(-300);
    var atEnd = logEl.scrollTop + logEl.clientHeight >= logEl.scrollHeight - 4;
    logEl.textContent = logLines.join('\\n');
    if (atEnd) logEl.scrollTop = logEl.scrollHeight;
  }

  function connect() {
    var live = document.getElementById('live');
    var es = new EventSource(API + '/events' + (token ? '?access_token=' + encodeURIComponent(token) : ''));
    var timer = null;
    es.addEventListener('hello', function () { live.textContent = 'live'; live.className = 'badge on'; refresh(); });
    es.addEventListener('log', function (e) { addLog([JSON.parse(e.data).line]); });
    es.addEventListener('change', function () { if (!timer) timer = setTimeout(function () { timer = null; refresh(); }, 30); });
    es.onerror = function () { live.textContent = 'reconnecting…'; live.className = 'badge'; };
  }

  document.getElementById('authform').addEventListener('submit', function (e) {
    e.preventDefault();
    token = document.getElementById('token').value.trim();
    sessionStorage.setItem('vfioctl-token', token);
    document.getElementById('auth').hidden = true;
    start();
  });

  function start() {
    api('GET', '/dmesg').then(function (r) {
      if (r.status === 200) addLog(r.json.entries.map(function (e) { return e.line; }));
      connect();
      return refresh();
    }).catch(function (e) { document.getElementById('summary').textContent = e.message; });
  }
  start();
})();
`;
