// Offline field entry (/lapangan): an outbox of records in IndexedDB, each with an id made here
// (UUIDv7), sent to /api/lapangan/sync when the phone is online. No framework; see docs/registry.md,
// section "Offline field entry".
(function () {
  'use strict';
  var root = document.getElementById('lapangan');
  if (!root) { return; }
  var T = JSON.parse(document.getElementById('lapangan-strings').textContent);
  var USER = root.getAttribute('data-user');
  var VILLAGE = root.getAttribute('data-village');
  var CSRF = root.getAttribute('data-csrf');
  var DB_NAME = 'tepat-lapangan';
  var BATCH = 50;
  var syncing = false;
  var editing = null; // the outbox record being fixed: its ids are kept, so it still counts once

  function $(id) { return document.getElementById(id); }

  // --- UUIDv7: 48 bits of milliseconds, version 7, variant 10, random rest. ---
  function uuidv7() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    var ms = Date.now();
    b[0] = Math.floor(ms / 1099511627776) & 255;
    b[1] = Math.floor(ms / 4294967296) & 255;
    b[2] = (ms >>> 24) & 255;
    b[3] = (ms >>> 16) & 255;
    b[4] = (ms >>> 8) & 255;
    b[5] = ms & 255;
    b[6] = (b[6] & 15) | 112;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // --- IndexedDB: outbox (records), households (what the survey form needs), meta (owner). ---
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error('no indexedDB')); return; }
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          d.createObjectStore('outbox', { keyPath: 'id' });
          d.createObjectStore('households', { keyPath: 'id' });
          d.createObjectStore('meta');
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function store(name, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(name, mode);
        var result;
        var s = tx.objectStore(name);
        var req = work(s);
        if (req) { req.onsuccess = function () { result = req.result; }; }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function all(name) { return store(name, 'readonly', function (s) { return s.getAll(); }); }
  function put(name, value, key) { return store(name, 'readwrite', function (s) { return key === undefined ? s.put(value) : s.put(value, key); }); }
  function del(name, key) { return store(name, 'readwrite', function (s) { return s.delete(key); }); }
  function clear(name) { return store(name, 'readwrite', function (s) { return s.clear(); }); }

  // Another account on this phone: nothing of the previous one stays visible or gets sent as this one.
  function claimOwner() {
    return store('meta', 'readonly', function (s) { return s.get('owner'); }).then(function (owner) {
      if (owner === USER) { return; }
      return clear('outbox').then(function () { return clear('households'); })
        .then(function () { return put('meta', USER, 'owner'); });
    });
  }

  // --- Showing the outbox. ---
  function text(tag, content, cls) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (cls) { el.className = cls; }
    return el;
  }
  function render() {
    return all('outbox').then(function (records) {
      records.sort(function (a, b) { return a.id < b.id ? -1 : 1; });
      var list = $('outbox');
      list.textContent = '';
      var waiting = 0;
      records.forEach(function (r) {
        if (r.state === 'waiting') { waiting += 1; }
        var li = document.createElement('li');
        li.className = 'outbox-item';
        li.setAttribute('data-id', r.id);
        li.setAttribute('data-state', r.state);
        li.appendChild(text('strong', (r.payload.kind === 'new_household' ? T.kind_new : T.kind_survey) + ' · ' + r.label));
        li.appendChild(text('p', r.state === 'waiting' ? T.state_waiting : T.state_rejected, 'badge'));
        if (r.state === 'rejected') {
          var ul = document.createElement('ul');
          ul.className = 'reasons';
          (r.reasons || []).forEach(function (why) {
            var item = text('li', why.message, 'field-error');
            item.setAttribute('data-code', why.code);
            ul.appendChild(item);
          });
          li.appendChild(ul);
          var p = document.createElement('p');
          p.className = 'buttons';
          var edit = text('button', T.edit, 'secondary');
          edit.type = 'button';
          edit.addEventListener('click', function () { startEdit(r); });
          var drop = text('button', T.discard, 'danger');
          drop.type = 'button';
          drop.addEventListener('click', function () {
            if (window.confirm(T.discard_confirm)) { del('outbox', r.id).then(render); }
          });
          p.appendChild(edit);
          p.appendChild(drop);
          li.appendChild(p);
        }
        list.appendChild(li);
      });
      $('outbox-count').textContent = String(waiting);
      $('outbox-empty').hidden = records.length > 0;
      return waiting;
    });
  }
  function showNet() {
    $('net-state').textContent = navigator.onLine ? T.online : T.offline;
  }

  // --- Entering records. ---
  function field(form, name) { return form.elements[name]; }
  function saveRecord(payload, label, stateEl, form) {
    var record = { id: payload.id, payload: payload, label: label, state: 'waiting', reasons: [] };
    return put('outbox', record).then(function () {
      editing = null;
      form.reset();
      if (form.id === 'new-household') { $('nh-village').value = VILLAGE; }
      if (form.id === 'survey') { renderMembers(null, []); }
      stateEl.textContent = T.saved;
      return render();
    }).then(function () {
      if (navigator.onLine) { sync(); }
    });
  }

  $('new-household').addEventListener('submit', function (e) {
    e.preventDefault();
    var form = e.target;
    if (!form.checkValidity()) { form.reportValidity(); return; }
    var old = editing && editing.payload.kind === 'new_household' ? editing.payload : null;
    var members = [];
    Array.prototype.forEach.call(form.querySelectorAll('fieldset[data-row]'), function (row, i) {
      var q = function (n) { return row.querySelector('[name=' + n + ']').value.trim(); };
      if (!q('nik') && !q('name')) { return; }
      var before = old && old.household.members[members.length];
      members.push({
        id: before ? before.id : uuidv7(),
        nik: q('nik'), name: q('name'), sex: q('sex'),
        birth_date: q('birth_date'), relationship: q('relationship')
      });
      void i;
    });
    var payload = {
      id: old ? old.id : uuidv7(),
      kind: 'new_household',
      reason: field(form, 'reason').value.trim(),
      household: {
        id: old ? old.household.id : uuidv7(),
        kk: field(form, 'kk').value.trim(),
        village: VILLAGE,
        address: field(form, 'address').value.trim(),
        rt: field(form, 'rt').value.trim(),
        rw: field(form, 'rw').value.trim(),
        members: members
      }
    };
    saveRecord(payload, members.length ? members[0].name : '', $('nh-state'), form);
  });

  $('survey').addEventListener('submit', function (e) {
    e.preventDefault();
    var form = e.target;
    if (!form.checkValidity()) { form.reportValidity(); return; }
    var old = editing && editing.payload.kind === 'survey_update' ? editing.payload : null;
    var survey = {};
    Array.prototype.forEach.call(form.querySelectorAll('[data-survey]'), function (el) {
      var kind = el.getAttribute('data-survey');
      if (kind === 'check') { survey[el.name] = el.checked; }
      else if (kind === 'number') { survey[el.name] = parseInt(el.value, 10) || 0; }
      else { survey[el.name] = el.value; }
    });
    var select = field(form, 'household');
    var known = householdsById[select.value];
    var payload = {
      id: old ? old.id : uuidv7(),
      kind: 'survey_update',
      reason: field(form, 'reason').value.trim(),
      household: select.value,
      survey: survey,
      members: memberAnswers()
    };
    if (old && old.task) { payload.task = old.task; } else if (known && known.task) { payload.task = known.task; }
    saveRecord(payload, select.options[select.selectedIndex].textContent, $('sv-state'), form);
  });

  // A refused record back into its form; saving it again keeps its ids.
  function startEdit(r) {
    editing = r;
    var p = r.payload;
    if (p.kind === 'new_household') {
      var f = $('new-household');
      field(f, 'kk').value = p.household.kk;
      field(f, 'address').value = p.household.address;
      field(f, 'rt').value = p.household.rt;
      field(f, 'rw').value = p.household.rw;
      field(f, 'reason').value = p.reason;
      Array.prototype.forEach.call(f.querySelectorAll('fieldset[data-row]'), function (row, i) {
        var m = p.household.members[i] || { nik: '', name: '', birth_date: '' };
        ['nik', 'name', 'birth_date', 'sex', 'relationship'].forEach(function (n) {
          if (m[n] !== undefined) { row.querySelector('[name=' + n + ']').value = m[n]; }
        });
      });
      f.scrollIntoView();
    } else {
      var s = $('survey');
      field(s, 'household').value = p.household;
      field(s, 'reason').value = p.reason;
      renderMembers(householdsById[p.household] || null, p.members || []);
      Array.prototype.forEach.call(s.querySelectorAll('[data-survey]'), function (el) {
        if (el.getAttribute('data-survey') === 'check') { el.checked = !!p.survey[el.name]; }
        else { el.value = String(p.survey[el.name]); }
      });
      s.scrollIntoView();
    }
    del('outbox', r.id).then(render);
  }

  // --- Sending. ---
  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': CSRF },
      body: JSON.stringify(body)
    });
  }
  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    $('sync-state').textContent = T.syncing;
    var outcome = T.sync_done;
    return all('outbox').then(function (records) {
      var waiting = records.filter(function (r) { return r.state === 'waiting'; });
      var chain = Promise.resolve();
      for (var i = 0; i < waiting.length; i += BATCH) {
        (function (batch) {
          chain = chain.then(function () {
            if (outcome !== T.sync_done) { return; }
            return post('/api/lapangan/sync', { records: batch.map(function (r) { return r.payload; }) })
              .then(function (res) {
                if (res.status === 401) { outcome = T.sync_signin; return; }
                if (!res.ok) { outcome = T.sync_failed; return; }
                return res.json().then(function (answer) {
                  var byId = {};
                  batch.forEach(function (r) { byId[r.id] = r; });
                  return answer.results.reduce(function (p, result) {
                    var r = byId[result.id];
                    if (!r) { return p; }
                    if (result.status === 'accepted' || result.status === 'duplicate') {
                      return p.then(function () { return del('outbox', r.id); });
                    }
                    r.state = 'rejected';
                    r.reasons = result.reasons || [];
                    return p.then(function () { return put('outbox', r); });
                  }, Promise.resolve());
                });
              });
          });
        })(waiting.slice(i, i + BATCH));
      }
      return chain;
    }).catch(function () {
      outcome = T.sync_failed;
    }).then(function () {
      syncing = false;
      $('sync-state').textContent = outcome;
      return render();
    });
  }

  // --- Households for the survey form, and each member's answers (as the online form: a member is
  // included when a sector is chosen). ---
  var householdsById = {};
  function renderMembers(h, answers) {
    var rows = $('sv-member-rows');
    while (rows.firstChild) { rows.removeChild(rows.firstChild); }
    var members = (h && h.members) || [];
    $('sv-members').hidden = members.length === 0;
    var byId = {};
    answers.forEach(function (a) { byId[a.id] = a; });
    members.forEach(function (m) {
      var row = $('sv-member-row').content.firstElementChild.cloneNode(true);
      row.setAttribute('data-member', m.id);
      row.querySelector('.member-name').textContent = m.name + ' · ' + m.relationship;
      var a = byId[m.id];
      if (a) {
        ['sector', 'disability', 'school_level'].forEach(function (n) { row.querySelector('[name=' + n + ']').value = a[n]; });
        ['chronic_illness', 'pregnant'].forEach(function (n) { row.querySelector('[name=' + n + ']').checked = !!a[n]; });
      }
      rows.appendChild(row);
    });
  }
  function memberAnswers() {
    var out = [];
    Array.prototype.forEach.call($('sv-member-rows').querySelectorAll('fieldset[data-member]'), function (row) {
      var v = function (n) { return row.querySelector('[name=' + n + ']'); };
      if (!v('sector').value) { return; }
      out.push({
        id: row.getAttribute('data-member'),
        sector: v('sector').value,
        disability: v('disability').value,
        school_level: v('school_level').value,
        chronic_illness: v('chronic_illness').checked,
        pregnant: v('pregnant').checked
      });
    });
    return out;
  }
  $('sv-household').addEventListener('change', function (e) {
    renderMembers(householdsById[e.target.value] || null, []);
  });
  function renderHouseholds() {
    return all('households').then(function (list) {
      var select = $('sv-household');
      while (select.options.length > 1) { select.remove(1); }
      householdsById = {};
      list.forEach(function (h) {
        householdsById[h.id] = h;
        var o = document.createElement('option');
        o.value = h.id;
        o.textContent = h.head + ' · RT ' + h.rt + '/RW ' + h.rw + ' · KK …' + h.kk_end;
        select.appendChild(o);
      });
      $('households-count').textContent = String(list.length);
    });
  }
  $('households-download').addEventListener('click', function () {
    fetch('/api/lapangan/households', { credentials: 'same-origin' }).then(function (res) {
      if (!res.ok) { throw new Error(String(res.status)); }
      return res.json();
    }).then(function (answer) {
      return clear('households').then(function () {
        return answer.households.reduce(function (p, h) {
          return p.then(function () { return put('households', h); });
        }, Promise.resolve());
      });
    }).then(renderHouseholds).catch(function () {
      $('sv-state').textContent = T.households_failed;
    });
  });

  // --- Signing out deletes what this page keeps on the phone. ---
  var signOut = document.querySelector('form.who');
  if (signOut) {
    signOut.addEventListener('submit', function (e) {
      if (signOut.getAttribute('data-cleared') === '1') { return; }
      e.preventDefault();
      all('outbox').catch(function () { return []; }).then(function (records) {
        var waiting = records.filter(function (r) { return r.state === 'waiting'; }).length;
        if (waiting > 0 && !window.confirm(T.signout_confirm)) { return; }
        return db().then(function (d) { d.close(); }).catch(function () {}).then(function () {
          return new Promise(function (resolve) {
            var req = indexedDB.deleteDatabase(DB_NAME);
            req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
          });
        }).then(function () {
          return window.caches ? caches.keys().then(function (keys) {
            return Promise.all(keys.map(function (k) { return caches.delete(k); }));
          }) : null;
        }).then(function () {
          signOut.setAttribute('data-cleared', '1');
          signOut.submit();
        });
      });
    });
  }

  // --- Start. ---
  $('sync-now').addEventListener('click', function () { sync(); });
  window.addEventListener('online', function () { showNet(); sync(); });
  window.addEventListener('offline', showNet);
  showNet();
  claimOwner().then(function () { return Promise.all([render(), renderHouseholds()]); }).then(function () {
    root.setAttribute('data-ready', '1');
    if (navigator.onLine) { sync(); }
  }).catch(function () {
    $('sync-state').textContent = T.no_storage;
  });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/lapangan' }).catch(function () {});
  }
})();
