// corral dashboard. Everything arrives over Server-Sent Events from the member that served the page; when that
// member goes away the page connects to another live member by itself (members send CORS headers for this).
// No build step, no external resources.
(function () {
  'use strict';

  var MAX_EVENTS_SHOWN = 500;
  var state = {
    snapshot: null,
    source: null,        // the EventSource
    base: null,          // API base URL the stream comes from
    lastEventId: -1,     // events are numbered cluster-wide: a new member continues where the old one stopped
    seenEvents: {},
    lastMessageAt: 0,
    failedAt: {},        // base -> time it last failed
    members: []          // API base URLs known from the last snapshot
  };

  function $(id) { return document.getElementById(id); }
  // only http(s) links are rendered: a registered app's URL is anyone's text (the members check it too)
  function webLink(u) {
    return typeof u === 'string' && /^https?:\/\/[^\s\/]/i.test(u);
  }

  function esc(v) {
    return String(v == null ? '' : v).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function num(v, digits) {
    if (v == null || isNaN(v)) { return '\u2013'; }
    return Number(v).toLocaleString(undefined, { maximumFractionDigits: digits == null ? 0 : digits });
  }
  function ms(v) { return v == null ? '\u2013' : (v >= 1000 ? num(v / 1000, 2) + ' s' : num(v, 1)); }
  function duration(seconds) {
    if (seconds == null) { return '\u2013'; }
    var d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
    if (d > 0) { return d + 'd ' + h + 'h'; }
    if (h > 0) { return h + 'h ' + (m < 10 ? '0' : '') + m + 'm'; }
    if (m > 0) { return m + 'm ' + Math.floor(seconds % 60) + 's'; }
    return Math.floor(seconds) + 's';
  }
  function bytes(b) {
    if (b == null || b < 0) { return '\u2013'; }
    return b >= 1 << 30 ? num(b / (1 << 30), 1) + ' GiB' : num(b / (1 << 20), 0) + ' MiB';
  }
  function ago(t) { return t ? duration((Date.now() - t) / 1000) + ' ago' : '\u2013'; }
  function rows(tbody, html, cols, empty) {
    tbody.innerHTML = html || '<tr><td class="empty" colspan="' + cols + '">' + esc(empty) + '</td></tr>';
  }

  // ---- connection: one EventSource at a time, moving to another member on failure ----
  function originBase() { return location.protocol + '//' + location.host; }

  function candidates() {
    var list = [];
    function add(u) { if (u && list.indexOf(u) < 0) { list.push(u); } }
    add(state.base || originBase());
    state.members.forEach(add);
    add(originBase());
    return list;
  }

  function nextBase(failed) {
    var list = candidates(), now = Date.now();
    var start = Math.max(0, list.indexOf(failed));
    for (var i = 1; i <= list.length; i++) {
      var b = list[(start + i) % list.length];
      if (b !== failed && !(now - (state.failedAt[b] || 0) < 4000)) { return b; }
    }
    return list[(start + 1) % list.length];
  }

  function setStatus(kind, text) {
    var s = $('status');
    s.className = 'pill pill-' + kind;
    s.textContent = text;
    s.setAttribute('data-source', state.base || '');
  }

  function connect(base) {
    if (state.source) { state.source.close(); }
    state.base = base;
    setStatus('connecting', 'connecting to ' + base.replace(/^https?:\/\//, '') + '\u2026');
    var es = new EventSource(base + '/dashboard/events?since=' + state.lastEventId);
    state.source = es;
    state.lastMessageAt = Date.now();
    es.addEventListener('snapshot', function (e) {
      if (es !== state.source) { return; }
      state.lastMessageAt = Date.now();
      setStatus('live', 'live via ' + base.replace(/^https?:\/\//, ''));
      render(JSON.parse(e.data));
    });
    es.addEventListener('event', function (e) {
      if (es !== state.source) { return; }
      state.lastMessageAt = Date.now();
      addEvent(JSON.parse(e.data));
    });
    es.onerror = function () {
      if (es !== state.source) { return; }
      fail(base);
    };
  }

  function fail(base) {
    state.failedAt[base] = Date.now();
    if (state.source) { state.source.close(); state.source = null; }
    setStatus('lost', 'lost ' + base.replace(/^https?:\/\//, '') + ', reconnecting\u2026');
    var next = nextBase(base);
    setTimeout(function () { connect(next); }, 500);
  }

  // a member that hangs without closing the connection: members push at least every stats interval
  setInterval(function () {
    var interval = state.snapshot ? state.snapshot.dashboard.statsIntervalMs : 1000;
    if (state.source && Date.now() - state.lastMessageAt > Math.max(6000, interval * 6)) {
      fail(state.base);
    }
  }, 1000);

  // ---- rendering ----
  function render(s) {
    state.snapshot = s;
    state.members = s.members.map(function (m) { return m.apiUrl; }).filter(Boolean);
    $('cluster-name').textContent = s.cluster;
    $('served-by').textContent = s.servedBy.name + ' (' + s.servedBy.apiUrl + ')';
    var lp = s.dashboard.leaderPort;
    $('leader-port').innerHTML = lp && lp.bound && webLink(lp.url) ? 'leader dashboard: <a href="' + esc(lp.url) + '">'
        + esc(lp.url.replace(/^https?:\/\//, '')) + '</a>' : (lp && lp.port ? 'dashboard port ' + esc(lp.port)
        + ': ' + esc(lp.state) : '');
    renderTotals(s);
    renderMembers(s.members);
    renderBackends(s.backends);
    renderQueue(s.queue);
    renderApps(s.applications);
    renderRpc(s.rpc || {});
    var log = s.eventLog || {};
    $('event-stats').textContent = num(log.kept) + ' kept' + (log.sampledOut ? ', ' + num(log.sampledOut)
        + ' info events sampled out (rate ' + log.sampleRate + ')' : '');
    drawCharts(s.history || []);
  }

  function renderTotals(s) {
    var t = s.totals, up = 0, slots = 0, used = 0;
    s.backends.forEach(function (b) { if (b.health === 'up') { up++; } slots += b.slots; used += b.slotsInUse; });
    $('tile-members').textContent = s.members.length;
    $('tile-backends').textContent = up + ' / ' + s.backends.length;
    $('tile-rps').textContent = num(t.requestsPerSecond, 1);
    $('tile-total').textContent = num(t.requestsTotal);
    $('tile-slots').textContent = used + ' / ' + slots;
    $('tile-queue').textContent = num(t.queueDepth);
    $('tile-latency').textContent = ms(t.latencyMs.p50) + ' / ' + ms(t.latencyMs.p95);
    $('tile-ttft').textContent = ms(t.ttftMs.p50);
  }

  function renderMembers(members) {
    var html = members.map(function (m) {
      var badges = (m.leader ? '<span class="badge leader">leader</span> ' : '<span class="badge">member</span> ')
          + (m.self ? '<span class="badge self">serving this page</span>' : '');
      var cpu = m.cpu && m.cpu.process >= 0 ? num(m.cpu.process * 100, 0) + '%' : '\u2013';
      var heap = m.heap ? bytes(m.heap.used) + ' / ' + bytes(m.heap.max) : '\u2013';
      var lat = m.latencyMs ? ms(m.latencyMs.p50) + ' / ' + ms(m.latencyMs.p95) + ' / ' + ms(m.latencyMs.p99) : '\u2013';
      return '<tr data-member-id="' + esc(m.id) + '" data-api="' + esc(m.apiUrl) + '"' + (m.leader ? ' class="is-leader"' : '') + '>'
          + '<td><b>' + esc(m.name) + '</b><div class="muted small mono">' + esc(m.apiUrl) + ' &middot; hz ' + esc(m.address) + '</div></td>'
          + '<td>' + badges + '</td>'
          + '<td>' + duration(m.uptimeSeconds) + '</td>'
          + '<td class="num rps">' + (m.reporting ? num(m.requestsPerSecond, 1) : '\u2013') + '</td>'
          + '<td class="num total">' + (m.reporting ? num(m.requestsTotal) : '\u2013') + '</td>'
          + '<td class="num">' + (m.reporting ? num(m.inFlight) : '\u2013') + '</td>'
          + '<td class="num">' + (m.reporting ? num(m.queueHeld) : '\u2013') + '</td>'
          + '<td class="num">' + cpu + '</td><td>' + heap + '</td><td class="num">' + lat + '</td></tr>';
    }).join('');
    rows($('members').tBodies[0], html, 10, 'no members');
  }

  function renderBackends(backends) {
    var html = backends.map(function (b) {
      var pct = b.slots > 0 ? Math.min(100, Math.round(100 * b.slotsInUse / b.slots)) : 0;
      return '<tr data-backend="' + esc(b.id) + '">'
          + '<td class="mono">' + esc(b.id) + (b.version ? '<div class="muted small">' + esc(b.version) + '</div>' : '') + '</td>'
          + '<td>' + esc(b.kind) + '</td>'
          + '<td><span class="health health-' + esc(b.health) + '">' + esc(b.health.replace('_', ' ')) + '</span>'
          + (b.lastError ? '<div class="muted small">' + esc(b.lastError) + '</div>' : '') + '</td>'
          + '<td>' + esc(b.models.join(', ')) + '</td>'
          + '<td>' + (b.loadedModels.length ? esc(b.loadedModels.join(', ')) : '<span class="muted">none</span>') + '</td>'
          + '<td class="slots"><span class="bar-meter' + (pct >= 100 ? ' full' : '') + '"><i style="width:' + pct + '%"></i></span>'
          + b.slotsInUse + ' / ' + b.slots + '</td>'
          + '<td class="num">' + num(b.requestsPerSecond, 1) + '</td>'
          + '<td class="num requests">' + num(b.requestsTotal) + '</td>'
          + '<td class="num">' + ms(b.ttftMs.p50) + '</td>'
          + '<td class="num">' + (b.tokensPerSecond == null ? '\u2013' : num(b.tokensPerSecond, 1)) + '</td>'
          + '<td class="num">' + num(b.errorRate * 100, 1) + '%</td></tr>';
    }).join('');
    rows($('backends').tBodies[0], html, 11, 'no backends known yet');
  }

  function chips(el, obj, label) {
    var keys = Object.keys(obj || {});
    el.innerHTML = keys.length ? keys.map(function (k) {
      return '<span class="chip">' + esc(label ? label(k) : k) + ': <b>' + esc(obj[k]) + '</b></span>';
    }).join('') : '<span class="muted small">none</span>';
  }

  function renderQueue(q) {
    $('queue-depth').textContent = num(q.depth);
    $('queue-oldest').textContent = q.depth > 0 ? ms(q.oldestWaitMs) : '\u2013';
    $('queue-arrivals').textContent = num(q.arrivals);
    chips($('queue-priority'), q.byPriority, function (p) { return 'priority ' + p; });
    chips($('queue-model'), q.byModel);
    chips($('queue-members'), q.heldByMember);
  }

  function renderApps(apps) {
    var html = apps.map(function (a) {
      var cls = a.status === 'active' ? 'health-up' : a.status === 'stale' ? 'health-draining' : 'health-unknown';
      return '<tr data-app="' + esc(a.name) + '"><td><b>' + esc(a.name) + '</b>'
          + (a.version ? ' <span class="muted small">' + esc(a.version) + '</span>' : '')
          + (webLink(a.dashboardUrl) ? ' <a class="small" rel="noopener noreferrer" href="' + esc(a.dashboardUrl)
            + '">dashboard</a>' : '') + '</td>'
          + '<td>' + esc(a.kind || '\u2013') + '</td><td><span class="health ' + cls + '">' + esc(a.status) + '</span></td>'
          + '<td class="num">' + num(a.requestsTotal) + '</td><td>' + (a.lastHeartbeat ? ago(a.lastHeartbeat) : '\u2013') + '</td></tr>';
    }).join('');
    rows($('apps').tBodies[0], html, 5, 'no applications registered');
  }

  function renderRpc(rpc) {
    var servers = rpc.rpcBackends || [], coordinators = rpc.coordinators || [];
    rows($('rpc').tBodies[0], servers.map(function (r) {
      return '<tr><td class="mono">' + esc(r.address) + '</td><td>' + esc(r.source) + '</td><td>'
          + (r.usedBy && r.usedBy.length ? r.usedBy.map(function (c) { return esc(c.api || ('pid ' + c.pid)); }).join(', ')
          : '<span class="muted">free</span>') + '</td></tr>';
    }).join(''), 3, rpc.error ? rpc.error : 'no rpc-servers found');
    rows($('coordinators').tBodies[0], coordinators.map(function (c) {
      return '<tr><td class="mono small">' + esc(c.member) + '</td><td>' + esc(c.pid) + '</td><td class="mono">'
          + esc(c.api || '\u2013') + '</td><td class="mono">' + esc((c.rpcServers || []).join(', ')) + '</td></tr>';
    }).join(''), 4, 'no llama-server coordinators running on members\' hosts');
  }

  function addEvent(e) {
    if (state.seenEvents[e.id]) { return; }
    state.seenEvents[e.id] = true;
    if (e.id > state.lastEventId) { state.lastEventId = e.id; }
    var list = $('events');
    var li = document.createElement('li');
    li.className = 'level-' + e.level;
    li.setAttribute('data-id', e.id);
    li.setAttribute('data-type', e.event_type);
    var t = new Date(e.atMillis);
    li.innerHTML = '<span class="muted mono">' + esc(t.toLocaleTimeString()) + '</span><span class="lvl">' + esc(e.level)
        + '</span><span class="mono">' + esc(e.event_type) + '</span><span>' + esc(e.message || e.subject)
        + ' <span class="muted small">' + esc(e.member.replace(/^https?:\/\//, '')) + '</span></span>';
    // newest first; events can arrive slightly out of order from a replay, so insert by id
    var before = null;
    for (var c = list.firstChild; c; c = c.nextSibling) {
      if (Number(c.getAttribute('data-id')) < e.id) { before = c; break; }
    }
    list.insertBefore(li, before);
    while (list.childNodes.length > MAX_EVENTS_SHOWN) { list.removeChild(list.lastChild); }
  }

  // ---- charts: plain canvas, last 5 minutes ----
  function drawCharts(history) {
    chart($('chart-rps'), history, [{ i: 1, color: '#2b6cb0' }], 1);
    chart($('chart-latency'), history, [{ i: 2, color: '#2b6cb0' }, { i: 3, color: '#d08a00' }, { i: 4, color: '#d64545' }], 0);
    chart($('chart-queue'), history, [{ i: 5, color: '#8a4baf' }], 0);
  }

  function chart(canvas, points, series, digits) {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth || 300, h = canvas.clientHeight || 120;
    if (canvas.width !== Math.round(w * ratio)) { canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio); }
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var left = 36, bottom = h - 16, top = 8, right = w - 6;
    var now = points.length ? points[points.length - 1][0] : Date.now(), span = 5 * 60 * 1000;
    var max = 0;
    points.forEach(function (p) { series.forEach(function (s) { if (p[s.i] != null && p[s.i] > max) { max = p[s.i]; } }); });
    max = max <= 0 ? 1 : niceCeil(max);
    g.strokeStyle = '#e3e8ee'; g.fillStyle = '#6b7785'; g.font = '10px system-ui, sans-serif'; g.lineWidth = 1;
    for (var k = 0; k <= 2; k++) {
      var y = bottom - (bottom - top) * k / 2;
      g.beginPath(); g.moveTo(left, y); g.lineTo(right, y); g.stroke();
      g.fillText(num(max * k / 2, digits), 2, y + 3);
    }
    g.fillText('-5 min', left, h - 3);
    g.fillText('now', right - 20, h - 3);
    series.forEach(function (s) {
      g.strokeStyle = s.color; g.lineWidth = 1.8; g.beginPath();
      var started = false;
      points.forEach(function (p) {
        if (p[s.i] == null || now - p[0] > span) { started = false; return; }
        var x = left + (right - left) * (1 - (now - p[0]) / span);
        var y = bottom - (bottom - top) * p[s.i] / max;
        if (started) { g.lineTo(x, y); } else { g.moveTo(x, y); started = true; }
      });
      g.stroke();
    });
    if (!points.length) { g.fillText('waiting for data\u2026', left + 10, top + 20); }
  }

  function niceCeil(v) {
    var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  connect(originBase());
})();
