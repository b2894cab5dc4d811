/* Roll-call sheet: keyboard entry (P, K, Space/Delete), arrows to move, each mark saved at once. */
(function () {
  'use strict';
  var cfgEl = document.getElementById('att-config');
  var table = document.getElementById('att');
  if (!cfgEl || !table) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var statusEl = document.getElementById('att-status');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var active = null;
  function url(p) { return cfg.sessionParam ? p + (p.indexOf('?') >= 0 ? '&' : '?') + '_s=' + encodeURIComponent(cfg.sessionParam) : p; }
  function cells(tr) { return Array.prototype.slice.call(tr.querySelectorAll('td.mk, td.off:not(.t)')); }
  function focus(td) { if (!td || !td.classList.contains('mk')) return false; if (active) active.classList.remove('active'); active = td; td.classList.add('active'); td.focus(); return true; }
  function move(dr, dc) {
    if (!active) return;
    var tr = active.parentNode, r = rows.indexOf(tr), c = cells(tr).indexOf(active);
    for (var k = 1; k < 400; k++) {
      var rr = r + dr * k, cc = c + dc * k;
      var t = rows[dr ? rr : r]; if (!t) return;
      var td = cells(t)[dc ? cc : c]; if (!td) return;
      if (focus(td)) return;
    }
  }
  function save(td, mark) {
    if (!cfg.canWrite) return;
    var before = td.textContent;
    td.textContent = mark; td.className = 'mk active ' + mark;
    statusEl.textContent = 'Đang lưu…'; statusEl.className = 'grid-status';
    fetch(url('/attendance/class/' + cfg.classId + '/marks'), {
      method: 'POST', credentials: 'include',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': cfg.csrf },
      body: JSON.stringify({ changes: [{ enrolmentId: Number(td.parentNode.getAttribute('data-enr')), day: td.getAttribute('data-day'), session: td.getAttribute('data-ses'), mark: mark }] }),
    }).then(function (res) {
      return res.json().then(function (b) {
        if (!res.ok) throw new Error((b && b.error && b.error.message) || 'Không lưu được.');
        statusEl.textContent = 'Đã lưu. Tổng số sẽ cập nhật khi tải lại trang.';
        // Saving a session takes its roll-call; with one session a day the day is then complete.
        var head = table.querySelector('th[data-head="' + td.getAttribute('data-day') + '"]');
        if (head && cfg.sessions === 1) {
          head.classList.remove('missing'); head.classList.add('done');
          var btn = table.querySelector('button.taken-btn[data-day="' + td.getAttribute('data-day') + '"]');
          if (btn && btn.form) { btn.form.parentNode.classList.remove('missing'); btn.form.parentNode.textContent = '✓'; }
        }
      });
    }).catch(function (e) {
      td.textContent = before; td.className = 'mk active ' + before;
      statusEl.textContent = e.message; statusEl.className = 'grid-status error';
    });
  }
  table.addEventListener('click', function (e) { var td = e.target.closest('td.mk'); if (td) focus(td); });
  table.addEventListener('keydown', function (e) {
    // Keys on the header's ✓ buttons are theirs (Enter/Space submit "Đã điểm danh, không vắng").
    if (!active || (e.target && e.target.closest && e.target.closest('thead'))) return;
    var k = e.key;
    if (k === 'ArrowRight' || k === 'Tab' && !e.shiftKey) { e.preventDefault(); move(0, 1); }
    else if (k === 'ArrowLeft' || k === 'Tab' && e.shiftKey) { e.preventDefault(); move(0, -1); }
    else if (k === 'ArrowDown' || k === 'Enter') { e.preventDefault(); move(1, 0); }
    else if (k === 'ArrowUp') { e.preventDefault(); move(-1, 0); }
    else if (k === 'p' || k === 'P') { e.preventDefault(); save(active, 'P'); move(1, 0); }
    else if (k === 'k' || k === 'K') { e.preventDefault(); save(active, 'K'); move(1, 0); }
    else if (k === ' ' || k === 'Delete' || k === 'Backspace') { e.preventDefault(); save(active, ''); }
  });
  var first = table.querySelector('td.mk'); if (first) focus(first);
})();
