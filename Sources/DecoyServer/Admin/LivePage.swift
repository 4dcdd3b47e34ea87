/// `GET /_decoy/`: a live page for a person watching a load test — per route, requests per second
/// admitted and refused over the last five minutes, redrawn every second from `/_decoy/series`, and the
/// ledger's totals from `/_decoy/stats`. Plain HTML, SVG and a little script; no framework.
enum LivePage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Decoy — live</title>
        <style>
          body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fafbfc; }
          h1 { font-size: 20px; margin: 0 0 4px; }
          .sub { color: #667; margin-bottom: 20px; }
          .route { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
          .route h2 { font-size: 15px; margin: 0 0 6px; }
          .figures { display: flex; gap: 20px; flex-wrap: wrap; color: #445; margin-bottom: 6px; }
          .figures b { color: #1d2330; }
          .ok { color: #1a7f37; } .no { color: #cf222e; } .err { color: #9a6700; }
          svg { width: 100%; height: 140px; display: block; }
          .legend span { margin-right: 14px; }
          .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
        </style>
        </head>
        <body>
        <h1>Decoy</h1>
        <div class="sub" id="sub">loading…</div>
        <div class="legend"><span><i class="swatch" style="background:#2da44e"></i>admitted /s</span>
        <span><i class="swatch" style="background:#cf222e"></i>refused (429) /s</span></div>
        <div id="routes"></div>
        <script>
        const W = 900, H = 140, PAD = 34;
        function chart(admitted, refused) {
          const n = admitted.length, max = Math.max(1, ...admitted, ...refused);
          const x = i => PAD + (W - PAD - 4) * i / (n - 1), y = v => H - 18 - (H - 28) * v / max;
          const line = (values, color) => '<polyline fill="none" stroke="' + color + '" stroke-width="1.5" points="' +
            values.map((v, i) => x(i).toFixed(1) + ',' + y(v).toFixed(1)).join(' ') + '"/>';
          let grid = '';
          for (const f of [0, 0.5, 1]) {
            const v = Math.round(max * f);
            grid += '<line x1="' + PAD + '" x2="' + W + '" y1="' + y(v) + '" y2="' + y(v) + '" stroke="#eef0f3"/>' +
              '<text x="' + (PAD - 4) + '" y="' + (y(v) + 4) + '" font-size="10" text-anchor="end" fill="#889">' + v + '</text>';
          }
          for (const s of [300, 240, 180, 120, 60, 0]) {
            const i = n - 1 - Math.min(n - 1, s);
            grid += '<text x="' + x(i) + '" y="' + (H - 4) + '" font-size="10" text-anchor="' + (s ? 'middle' : 'end') + '" fill="#889">' +
              (s ? '-' + s / 60 + ' min' : 'now') + '</text>';
          }
          return '<svg viewBox="0 0 ' + W + ' ' + H + '" preserveAspectRatio="none">' + grid +
            line(refused, '#cf222e') + line(admitted, '#2da44e') + '</svg>';
        }
        function last(values, seconds) {
          const tail = values.slice(-seconds - 1, -1);
          return tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length);
        }
        async function refresh() {
          try {
            const [series, stats] = await Promise.all([
              fetch('/_decoy/series').then(r => r.json()), fetch('/_decoy/stats').then(r => r.json())]);
            const byName = Object.fromEntries([...stats.routes, stats.unrouted].map(r => [r.route, r]));
            document.getElementById('sub').textContent = 'profile ' + stats.profile + ' · counting for ' +
              Math.round(stats.since_seconds) + ' s · ' + stats.totals.received + ' requests, ' +
              stats.totals.admitted + ' admitted, ' + stats.totals.refused + ' refused';
            let html = '';
            for (const s of series.routes) {
              const r = byName[s.route] || {};
              if (!r.received && (s.route === 'default' || s.route === '(unrouted)')) continue;
              const lat = r.latency_seconds || {};
              html += '<div class="route"><h2>' + s.route + (r.limit && r.limit.rpm ? ' · ' + r.limit.rpm + ' rpm' : '') + '</h2>' +
                '<div class="figures"><span>now <b class="ok">' + last(s.admitted, 5).toFixed(1) + '</b> admitted/s, <b class="no">' +
                last(s.refused, 5).toFixed(1) + '</b> refused/s</span><span>received <b>' + (r.received || 0) +
                '</b></span><span class="ok">admitted <b>' + (r.admitted || 0) + '</b></span><span class="no">refused <b>' +
                (r.refused || 0) + '</b></span><span class="err">errored <b>' + (r.errored || 0) + '</b> · faulted <b>' +
                (r.faulted || 0) + '</b></span><span>latency p50 <b>' + ((lat.p50 || 0) * 1000).toFixed(0) + ' ms</b> p99 <b>' +
                ((lat.p99 || 0) * 1000).toFixed(0) + ' ms</b></span></div>' +
                chart(s.admitted.slice(0, -1), s.refused.slice(0, -1)) + '</div>';  // the current second is not over yet
            }
            document.getElementById('routes').innerHTML = html || '<p>No traffic yet.</p>';
          } catch (e) {
            document.getElementById('sub').textContent = 'cannot reach the server: ' + e;
          }
        }
        refresh();
        setInterval(refresh, 1000);
        </script>
        </body>
        </html>
        """#
}
