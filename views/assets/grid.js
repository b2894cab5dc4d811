/* Sổ Điểm score grid: keyboard-first, vanilla JS, no build step. Works inside the LMS iframe:
 * the session travels as the partitioned cookie or, when refused, as `_s` in every URL. */
(function () {
  'use strict';
  var cfgEl = document.getElementById('grid-config');
  var table = document.getElementById('grid');
  if (!cfgEl || !table) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var statusEl = document.getElementById('grid-status');
  var explainBox = document.getElementById('explain');
  var explainText = document.getElementById('explain-text');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var active = null;
  var editor = null; // { td, input, before }
  var queue = Promise.resolve();
  var pendingSaves = 0;

  function url(path) {
    return cfg.sessionParam ? path + (path.indexOf('?') >= 0 ? '&' : '?') + '_s=' + encodeURIComponent(cfg.sessionParam) : path;
  }
  function setStatus(text, kind) {
    statusEl.textContent = text || '';
    statusEl.className = 'grid-status' + (kind ? ' ' + kind : '');
  }
  function cellsOf(tr) { return Array.prototype.slice.call(tr.querySelectorAll('td.cell, td.avg')); }
  function posOf(td) {
    var tr = td.parentNode;
    return { r: rows.indexOf(tr), c: cellsOf(tr).indexOf(td) };
  }
  function cellAt(r, c) {
    var tr = rows[r];
    if (!tr) return null;
    var cs = cellsOf(tr);
    return cs[Math.max(0, Math.min(cs.length - 1, c))] || null;
  }
  function findCell(columnId, enrolmentId) {
    return table.querySelector('td.cell[data-col="' + columnId + '"][data-enr="' + enrolmentId + '"]');
  }
  function colLabel(td) {
    var th = table.querySelector('th[data-col="' + td.getAttribute('data-col') + '"]');
    return th ? th.firstChild.textContent : '';
  }
  function studentName(td) {
    var n = td.parentNode.querySelector('td.name');
    return n ? n.firstChild.textContent.trim() : '';
  }

  function showExplain(td) {
    if (!explainBox) return;
    var t = td.classList.contains('avg') ? td.getAttribute('title') : td.getAttribute('data-lock') || td.getAttribute('data-msg');
    if (t) { explainText.textContent = t; explainBox.hidden = false; } else { explainBox.hidden = true; }
  }
  function focusCell(td) {
    if (!td) return;
    if (active) { active.classList.remove('active'); active.tabIndex = -1; }
    active = td;
    td.classList.add('active');
    td.tabIndex = 0;
    td.focus();
    showExplain(td);
  }
  function move(dr, dc) {
    if (!active) return focusCell(cellAt(0, 0));
    var p = posOf(active);
    focusCell(cellAt(p.r + dr, p.c + dc));
  }

  function editable(td) {
    return cfg.canWrite && td && td.classList.contains('cell');
  }
  function startEdit(td, initial) {
    if (!editable(td)) return;
    if (td.classList.contains('locked')) return openCorrection(td, initial);
    var before = td.getAttribute('data-saved');
    if (before === null) { before = td.textContent; td.setAttribute('data-saved', before); }
    var input = document.createElement('input');
    input.type = 'text';
    input.autocomplete = 'off';
    input.setAttribute('aria-label', colLabel(td) + ' — ' + studentName(td));
    input.value = initial;
    td.textContent = '';
    td.appendChild(input);
    editor = { td: td, input: input, before: before };
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    input.addEventListener('blur', function () { if (editor && editor.input === input) commit(); });
  }
  function cancelEdit() {
    if (!editor) return;
    var e = editor; editor = null;
    e.td.textContent = e.before;
    focusCell(e.td);
  }
  function commit() {
    if (!editor) return;
    var e = editor; editor = null;
    var value = e.input.value.trim();
    e.td.textContent = value;
    if (value === e.before && !e.td.classList.contains('invalid') && !e.td.classList.contains('conflict')) return;
    save([{ td: e.td, value: value }]);
  }

  function save(items) {
    items.forEach(function (it) { it.td.classList.add('pending'); it.td.classList.remove('invalid', 'conflict'); it.td.removeAttribute('data-msg'); });
    pendingSaves++;
    setStatus('Đang lưu…');
    // One save at a time: each carries the versions the previous one returned.
    queue = queue.then(function () { return send(items); }).catch(function () { /* reported in send */ });
  }

  function send(items) {
    var body = { changes: items.map(function (it) {
      return { columnId: Number(it.td.getAttribute('data-col')), enrolmentId: Number(it.td.getAttribute('data-enr')), value: it.value, version: Number(it.td.getAttribute('data-version')) };
    }) };
    return fetch(url('/grid/' + cfg.csId + '/scores'), {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': cfg.csrf },
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().then(function (data) { return { status: res.status, data: data }; }, function () { return { status: res.status, data: {} }; });
    }).then(function (r) {
      pendingSaves--;
      items.forEach(function (it) { it.td.classList.remove('pending'); });
      if (r.status === 200) return applySaved(r.data);
      // All or nothing: every cell of the batch goes back to its saved value, then the refused ones are marked.
      items.forEach(function (it) { it.td.textContent = it.td.getAttribute('data-saved') || ''; });
      var err = (r.data && r.data.error) || {};
      var details = err.details || {};
      if (err.code === 'GRID_INVALID_VALUE') {
        (details.cells || []).forEach(function (c) {
          var td = findCell(c.columnId, c.enrolmentId);
          if (!td) return;
          td.textContent = c.value;
          mark(td, 'invalid', c.reasonVi);
        });
        setStatus('Không lưu: ' + err.message, 'bad');
      } else if (err.code === 'GRID_VERSION_CONFLICT') {
        (details.conflicts || []).forEach(function (c) {
          var td = findCell(c.columnId, c.enrolmentId);
          if (!td) return;
          td.setAttribute('data-version', String(c.theirVersion));
          td.setAttribute('data-saved', c.theirs);
          td.textContent = c.theirs;
          mark(td, 'conflict', 'Người khác vừa sửa ô này. Giá trị hiện tại: ' + (c.theirs || '(trống)') + ' — giá trị của bạn: ' + (c.yours || '(trống)') + '. Gõ lại để ghi đè.');
        });
        setStatus('Xung đột: ' + err.message, 'warn');
      } else if (err.code === 'GRID_CELL_LOCKED') {
        (details.cells || []).forEach(function (c) { var td = findCell(c.columnId, c.enrolmentId); if (td) mark(td, 'invalid', err.message); });
        setStatus(err.message, 'bad');
      } else {
        setStatus((err.message || 'Không lưu được (lỗi ' + r.status + ').') + ' Hãy thử lại.', 'bad');
      }
      if (active) showExplain(active);
    }, function () {
      pendingSaves--;
      items.forEach(function (it) { it.td.classList.remove('pending'); it.td.textContent = it.td.getAttribute('data-saved') || ''; });
      setStatus('Mất kết nối: chưa lưu được. Hãy thử lại.', 'bad');
    });
  }

  function mark(td, cls, msg) {
    td.classList.add(cls);
    td.setAttribute('data-msg', msg);
    td.setAttribute('title', msg);
  }

  function applySaved(data) {
    (data.saved || []).forEach(function (s) {
      var td = findCell(s.columnId, s.enrolmentId);
      if (!td) return;
      td.setAttribute('data-version', String(s.version));
      td.setAttribute('data-saved', s.text);
      td.removeAttribute('title');
      if (!(editor && editor.td === td)) td.textContent = s.text;
      if (s.changed) { td.classList.add('saved-flash'); setTimeout(function () { td.classList.remove('saved-flash'); }, 700); }
    });
    (data.rows || []).forEach(function (r) {
      var tr = table.querySelector('tr[data-enr="' + r.enrolmentId + '"]');
      if (!tr) return;
      var t = r.terms[cfg.term];
      var tdT = tr.querySelector('td[data-avg="term"]');
      var tdY = tr.querySelector('td[data-avg="year"]');
      tdT.textContent = t && t.text ? t.text : '—';
      tdT.setAttribute('title', t ? t.explanationVi : '');
      tdY.textContent = r.year.text || '—';
      tdY.setAttribute('title', r.year.explanationVi);
      var w = tr.querySelector('.regwarn');
      if (w) { w.textContent = r.warningVi ? ' ⚠' : ''; w.setAttribute('title', r.warningVi || ''); }
    });
    if (!pendingSaves) setStatus('Đã lưu.', 'ok');
    if (active) showExplain(active);
  }

  /* Paste a column (or a block) from a spreadsheet, starting at the active cell. */
  table.addEventListener('paste', function (ev) {
    if (!cfg.canWrite || !active || !active.classList.contains('cell')) return;
    var text = (ev.clipboardData || window.clipboardData).getData('text');
    if (editor && !/[\t\n]/.test(text)) return; // an ordinary paste inside the cell being edited
    ev.preventDefault();
    if (editor) cancelEdit();
    var lines = text.replace(/\r/g, '').split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    var p = posOf(active);
    var items = [];
    var skipped = 0;
    lines.forEach(function (line, i) {
      line.split('\t').forEach(function (v, j) {
        var td = cellAt(p.r + i, p.c + j);
        if (!td || !td.classList.contains('cell') || posOf(td).c !== p.c + j) return;
        if (td.classList.contains('locked')) { skipped++; return; }
        if (td.getAttribute('data-saved') === null) td.setAttribute('data-saved', td.textContent);
        td.textContent = v.trim();
        items.push({ td: td, value: v.trim() });
      });
    });
    if (items.length) save(items);
    if (skipped) setStatus(skipped + ' ô đã khoá không được dán.', 'warn');
  });

  table.addEventListener('keydown', function (ev) {
    if (editor) {
      if (ev.key === 'Enter') { ev.preventDefault(); commit(); move(1, 0); }
      else if (ev.key === 'Tab') { ev.preventDefault(); commit(); move(0, ev.shiftKey ? -1 : 1); }
      else if (ev.key === 'Escape') { ev.preventDefault(); cancelEdit(); }
      else if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') { ev.preventDefault(); commit(); move(ev.key === 'ArrowUp' ? -1 : 1, 0); }
      return;
    }
    if (!active) return;
    switch (ev.key) {
      case 'ArrowUp': ev.preventDefault(); return move(-1, 0);
      case 'ArrowDown': ev.preventDefault(); return move(1, 0);
      case 'ArrowLeft': ev.preventDefault(); return move(0, -1);
      case 'ArrowRight': ev.preventDefault(); return move(0, 1);
      case 'Tab': ev.preventDefault(); return move(0, ev.shiftKey ? -1 : 1);
      case 'Home': ev.preventDefault(); return focusCell(cellAt(posOf(active).r, 0));
      case 'End': ev.preventDefault(); return focusCell(cellAt(posOf(active).r, 999));
      case 'Enter': case 'F2':
        ev.preventDefault();
        if (active.classList.contains('avg')) return showExplain(active);
        return startEdit(active, active.getAttribute('data-saved') !== null ? active.getAttribute('data-saved') : active.textContent);
      case 'Delete': case 'Backspace':
        if (!editable(active)) return;
        ev.preventDefault();
        if (active.classList.contains('locked')) return openCorrection(active, '');
        if (active.getAttribute('data-saved') === null) active.setAttribute('data-saved', active.textContent);
        active.textContent = '';
        return save([{ td: active, value: '' }]);
    }
    // Typing replaces the cell's content, as in a spreadsheet.
    if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey && editable(active)) {
      ev.preventDefault();
      startEdit(active, ev.key);
    }
  });

  table.addEventListener('mousedown', function (ev) {
    var td = ev.target.closest && ev.target.closest('td.cell, td.avg');
    if (!td || (editor && editor.td === td)) return;
    if (editor) commit();
    ev.preventDefault();
    focusCell(td);
  });
  table.addEventListener('dblclick', function (ev) {
    var td = ev.target.closest && ev.target.closest('td.cell');
    if (td && !editor) startEdit(td, td.getAttribute('data-saved') !== null ? td.getAttribute('data-saved') : td.textContent);
  });

  /* Locked cell → "Đề nghị sửa điểm" (stored only; approval is another workflow). */
  var dialog = document.getElementById('correction-dialog');
  var corrTd = null;
  function openCorrection(td, initial) {
    if (!dialog) return;
    corrTd = td;
    document.getElementById('correction-why').textContent = td.getAttribute('data-lock') || '';
    document.getElementById('correction-student').textContent = studentName(td);
    document.getElementById('correction-column').textContent = colLabel(td);
    document.getElementById('correction-old').textContent = td.textContent || '(trống)';
    document.getElementById('correction-value').value = initial || '';
    document.getElementById('correction-msg').textContent = '';
    document.getElementById('correction-preview').textContent = '';
    document.getElementById('correction-file').value = '';
    if (initial) previewCorrection();
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
    document.getElementById('correction-value').focus();
  }
  /* Impact preview: which averages the new value would change (server-side, same rules engine). */
  var previewTimer = null;
  function previewCorrection() {
    var box = document.getElementById('correction-preview');
    var value = document.getElementById('correction-value').value;
    if (!corrTd || !value.trim()) { box.textContent = ''; return; }
    fetch(url('/corrections/preview'), {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': cfg.csrf },
      body: JSON.stringify({ classSubjectId: cfg.csId, columnId: Number(corrTd.getAttribute('data-col')), enrolmentId: Number(corrTd.getAttribute('data-enr')), value: value }),
    }).then(function (res) { return res.json().then(function (d) { return { ok: res.ok, d: d }; }); }).then(function (r) {
      box.textContent = '';
      if (!r.ok) { box.textContent = (r.d.error && r.d.error.message) || ''; box.className = 'small bad'; return; }
      box.className = 'small';
      var title = document.createElement('strong');
      title.textContent = 'Nếu được duyệt: ';
      box.appendChild(title);
      var changed = r.d.lines.filter(function (l) { return l.changed; });
      if (!changed.length) box.appendChild(document.createTextNode('không điểm trung bình nào thay đổi.'));
      changed.forEach(function (l, i) {
        box.appendChild(document.createTextNode((i ? '; ' : '') + l.labelVi + ' ' + (l.before || '—') + ' → ' + (l.after || '—')));
      });
    }, function () { box.textContent = ''; });
  }
  function sendEvidence(id) {
    var input = document.getElementById('correction-file');
    var file = input && input.files && input.files[0];
    if (!file) return Promise.resolve(null);
    return fetch(url('/corrections/' + id + '/evidence'), {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': file.type || 'application/octet-stream', accept: 'application/json', 'x-csrf-token': cfg.csrf },
      body: file,
    }).then(function (res) { return res.json().then(function (d) { return res.ok ? null : ((d.error && d.error.message) || 'Không tải được minh chứng.'); }); }, function () { return 'Mất kết nối: chưa tải được minh chứng.'; });
  }
  if (dialog) {
    document.getElementById('correction-value').addEventListener('input', function () {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(previewCorrection, 300);
    });
    document.getElementById('correction-cancel').addEventListener('click', function () { dialog.close(); if (corrTd) focusCell(corrTd); });
    document.getElementById('correction-send').addEventListener('click', function () {
      var msg = document.getElementById('correction-msg');
      fetch(url('/grid/' + cfg.csId + '/corrections'), {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': cfg.csrf },
        body: JSON.stringify({
          columnId: Number(corrTd.getAttribute('data-col')),
          enrolmentId: Number(corrTd.getAttribute('data-enr')),
          value: document.getElementById('correction-value').value,
          reasonCode: document.getElementById('correction-reason').value,
          reasonText: document.getElementById('correction-text').value,
        }),
      }).then(function (res) { return res.json().then(function (d) { return { ok: res.ok, d: d }; }); }).then(function (r) {
        if (r.ok) {
          sendEvidence(r.d.id).then(function (err) {
            dialog.close();
            setStatus(err ? r.d.messageVi + ' ' + err : r.d.messageVi, err ? 'bad' : 'ok');
            focusCell(corrTd);
          });
        }
        else { msg.textContent = (r.d.error && r.d.error.message) || 'Không gửi được.'; msg.className = 'small bad'; }
      }, function () { msg.textContent = 'Mất kết nối: chưa gửi được.'; });
    });
  }

  window.addEventListener('beforeunload', function (ev) {
    if (pendingSaves > 0) { ev.preventDefault(); ev.returnValue = ''; }
  });
  var first = table.querySelector('td.cell:not(.locked)') || table.querySelector('td.cell, td.avg');
  if (first) focusCell(first);
})();
