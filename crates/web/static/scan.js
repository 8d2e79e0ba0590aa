// The voucher scan page (/penyaluran/pindai): checks a signed voucher without signal, with the public
// keys kept on the phone, and keeps each hand-over in an IndexedDB outbox (id made here: UUIDv7) until
// /api/v1/handovers has it. The layout and the checks follow docs/vouchers.md; the refusals word for word
// tepat_payments::voucher::VoucherRefusal. See docs/distribution.md, "Scanning vouchers offline".
(function () {
  'use strict';
  var root = document.getElementById('pindai');
  if (!root) { return; }
  var T = JSON.parse(document.getElementById('pindai-strings').textContent);
  var USER = root.getAttribute('data-user');
  var CSRF = root.getAttribute('data-csrf');
  var LANG = root.getAttribute('data-lang');
  var MERCHANT = root.getAttribute('data-merchant') === '1';
  var DB_NAME = 'tepat-pindai';
  var BATCH = 50;
  // Photo bytes per request, kept well under the server's cap (MAX_BATCH_PHOTO_BYTES, 4 MiB).
  var BATCH_PHOTO_BYTES = 2 * 1024 * 1024;
  // One photo: the server refuses more than 256 KiB (HANDOVER_PHOTO_MAX_BYTES).
  var PHOTO_MAX_BYTES = 240 * 1024;
  var PHOTO_SIDE = 800;
  var PREFIX = 'TPV1.';
  var syncing = false;
  var current = null; // the voucher being checked: { text, v }
  var deviceId = null;
  var photo = null; // the hand-over photo being taken: base64 of a downscaled JPEG
  var position = null; // { lat, lon } from the browser, when the officer allowed it
  var ed = null; // the Ed25519 module, loaded on first use

  function $(id) { return document.getElementById(id); }
  function say(id, msg) { $(id).textContent = msg; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
  }

  // --- UUIDv7, as on the field-entry page. ---
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
    return uuidText(b);
  }
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  function uuidText(b) {
    var h = hex(b);
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // --- IndexedDB: outbox (hand-overs), keys (voucher public keys), meta (owner, device, points). ---
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error('no indexedDB')); return; }
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          d.createObjectStore('outbox', { keyPath: 'id' });
          d.createObjectStore('meta');
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function tx(name, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(name, mode);
        var result;
        var req = work(t.objectStore(name));
        if (req) { req.onsuccess = function () { result = req.result; }; }
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all(name) { return tx(name, 'readonly', function (s) { return s.getAll(); }); }
  function get(name, key) { return tx(name, 'readonly', function (s) { return s.get(key); }); }
  function put(name, value, key) { return tx(name, 'readwrite', function (s) { return key === undefined ? s.put(value) : s.put(value, key); }); }
  function del(name, key) { return tx(name, 'readwrite', function (s) { return s.delete(key); }); }
  function clear(name) { return tx(name, 'readwrite', function (s) { return s.clear(); }); }

  // Another account on this phone: the previous one's hand-overs are neither shown nor sent as this one.
  function claimOwner() {
    return get('meta', 'owner').then(function (owner) {
      if (owner === USER) { return; }
      return clear('outbox').then(function () { return put('meta', USER, 'owner'); });
    }).then(function () { return get('meta', 'device'); }).then(function (d) {
      if (d) { deviceId = d; return; }
      deviceId = uuidv7();
      return put('meta', deviceId, 'device');
    });
  }

  // --- What the phone keeps from the server: keys, points, the cycles being paid. ---
  var keys = {};
  var points = [];
  var cycles = [];
  function loadCached() {
    return Promise.all([get('meta', 'keys'), get('meta', 'points'), get('meta', 'cycles')]).then(function (r) {
      keys = {};
      ((r[0] && r[0].keys) || []).forEach(function (k) { keys[k.kid] = k.x; });
      points = r[1] || [];
      cycles = r[2] || [];
      renderCached();
    });
  }
  function renderCached() {
    say('keys-count', String(Object.keys(keys).length));
    var select = $('point');
    var chosen = select.value;
    while (select.options.length > 1) { select.remove(1); }
    points.forEach(function (p) {
      var o = document.createElement('option');
      o.value = p.code;
      o.textContent = p.code + ' · ' + p.name;
      select.appendChild(o);
    });
    if (chosen) { select.value = chosen; }
    if (!select.value && points.length === 1) { select.value = points[0].code; }
  }
  function fetchJson(url) {
    return fetch(url, { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      if (!res.ok) { throw new Error(String(res.status)); }
      return res.json();
    });
  }
  function refresh() {
    return Promise.all([fetchJson('/api/v1/voucher-keys'), fetchJson('/api/v1/distribution-points')])
      .then(function (r) {
        return put('meta', r[0], 'keys')
          .then(function () { return put('meta', r[1].points || [], 'points'); })
          .then(function () { return put('meta', r[1].cycles || [], 'cycles'); });
      }).then(loadCached).then(function () {
        say('cache-state', T.cache_done);
      }).catch(function () {
        say('cache-state', T.cache_failed);
      });
  }

  // --- Reading a voucher (docs/vouchers.md). ---
  function fromBase64Url(s) {
    if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) { return null; }
    var b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
    var out = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i += 1) { out[i] = b.charCodeAt(i); }
    return out;
  }
  // A cursor over the signed bytes; every read past the end makes the voucher malformed.
  function Reader(bytes) { this.b = bytes; this.i = 0; }
  Reader.prototype.need = function (n) {
    if (this.i + n > this.b.length) { throw new Error('short'); }
    var s = this.b.subarray(this.i, this.i + n);
    this.i += n;
    return s;
  };
  Reader.prototype.u8 = function () { return this.need(1)[0]; };
  Reader.prototype.u16 = function () { var s = this.need(2); return s[0] * 256 + s[1]; };
  Reader.prototype.u32 = function () { var s = this.need(4); return ((s[0] * 256 + s[1]) * 256 + s[2]) * 256 + s[3]; };
  // Amounts are whole rupiah: read as a decimal string from the big-endian u64, never as a float.
  Reader.prototype.u64 = function () {
    var s = this.need(8);
    var v = BigInt(0);
    for (var i = 0; i < 8; i += 1) { v = v * BigInt(256) + BigInt(s[i]); }
    return v;
  };
  Reader.prototype.str = function () {
    var n = this.u8();
    return new TextDecoder('utf-8', { fatal: true }).decode(this.need(n));
  };
  Reader.prototype.done = function () { return this.i === this.b.length; };

  // The decoded fields, or null when the text is not a voucher.
  function decode(text) {
    text = text.trim();
    if (text.indexOf(PREFIX) !== 0) { return null; }
    var all = fromBase64Url(text.slice(PREFIX.length));
    if (!all || all.length <= 64) { return null; }
    var signed = all.subarray(0, all.length - 64);
    var signature = all.subarray(all.length - 64);
    try {
      var r = new Reader(signed);
      if (r.u8() !== 1) { return null; }
      var v = { signed: signed, signature: signature };
      v.id = uuidText(r.need(16));
      v.program = r.str();
      v.cycle = r.str();
      v.amount = r.u64();
      var goods = r.str();
      v.goods = goods === '' ? null : goods;
      v.recipient = hex(r.need(32));
      v.valid_from = dateOf(r.u32());
      v.valid_until = dateOf(r.u32());
      v.key_id = r.str();
      if (!r.done() || !v.valid_from || !v.valid_until || v.valid_until < v.valid_from) { return null; }
      // Whole rupiah as the server reads them (an i64): larger is not a voucher tepat signed.
      if (v.amount > BigInt('9223372036854775807')) { return null; }
      v.amount = v.amount.toString();
      return v;
    } catch (e) {
      return null;
    }
  }
  // yyyymmdd as a number → 'YYYY-MM-DD', or null.
  function dateOf(n) {
    var y = Math.floor(n / 10000);
    var m = Math.floor(n / 100) % 100;
    var d = n % 100;
    var t = new Date(Date.UTC(y, m - 1, d));
    if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) { return null; }
    return t.toISOString().slice(0, 10);
  }
  function today() {
    var now = new Date();
    var local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }
  var MONTHS = {
    id: ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'],
    en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
  };
  function longDate(iso) {
    var p = iso.split('-');
    var day = String(parseInt(p[2], 10));
    var month = MONTHS[LANG === 'en' ? 'en' : 'id'][parseInt(p[1], 10) - 1];
    return LANG === 'en' ? day + ' ' + month + ' ' + p[0] : day + ' ' + month + ' ' + p[0];
  }
  function rupiah(digits) {
    var sep = LANG === 'en' ? ',' : '.';
    return 'Rp' + digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  }

  // Goods, cash, or both.
  function what(v) {
    if (!v.goods) { return rupiah(v.amount); }
    return v.amount === '0' ? v.goods : v.goods + ' + ' + rupiah(v.amount);
  }

  function edModule() {
    if (!ed) { ed = import(root.getAttribute('data-ed25519')); }
    return ed;
  }

  // { ok: v } or { refusal: code, message } — the same order of checks as the server's.
  function check(text) {
    var v = decode(text);
    if (!v) { return Promise.resolve({ refusal: 'malformed', message: T.refuse_malformed }); }
    var x = keys[v.key_id];
    if (!x) { return Promise.resolve({ refusal: 'unknown_key', message: T.refuse_unknown_key }); }
    var pub = fromBase64Url(x);
    return edModule().then(function (m) {
      return m.verifyAsync(v.signature, v.signed, pub, { zip215: false });
    }).then(function (good) {
      if (!good) { return { refusal: 'bad_signature', message: T.refuse_bad_signature }; }
      var day = today();
      if (day < v.valid_from) {
        return { refusal: 'not_yet_valid', message: fill(T.refuse_not_yet_valid, { from: longDate(v.valid_from) }) };
      }
      if (day > v.valid_until) {
        return { refusal: 'expired', message: fill(T.refuse_expired, { until: longDate(v.valid_until) }) };
      }
      var paying = cycles.filter(function (c) { return c.program === v.program; });
      if (paying.length && !paying.some(function (c) { return c.cycle === v.cycle; })) {
        return {
          refusal: 'wrong_cycle',
          message: fill(T.refuse_wrong_cycle, { voucher: v.cycle, expected: paying.map(function (c) { return c.cycle; }).join(', ') })
        };
      }
      // The server's rule too: an e-Warung hands over goods only.
      if (MERCHANT && !v.goods) {
        return { refusal: 'not_your_point', message: T.refuse_not_your_point };
      }
      return { ok: v };
    }, function () {
      return { refusal: 'bad_signature', message: T.refuse_bad_signature };
    });
  }

  // SHA-256("tepat/voucher/recipient/v1\n" ‖ 16 id bytes ‖ NIK): the NIK on the KTP belongs to the voucher.
  function recipientMatches(v, nik) {
    var tag = new TextEncoder().encode('tepat/voucher/recipient/v1\n');
    var id = new Uint8Array(v.id.replace(/-/g, '').match(/../g).map(function (h) { return parseInt(h, 16); }));
    var n = new TextEncoder().encode(nik);
    var msg = new Uint8Array(tag.length + 16 + n.length);
    msg.set(tag, 0);
    msg.set(id, tag.length);
    msg.set(n, tag.length + 16);
    return crypto.subtle.digest('SHA-256', msg).then(function (d) { return hex(new Uint8Array(d)) === v.recipient; });
  }

  function showVoucher(v) {
    $('voucher-view').hidden = false;
    say('v-program', v.program);
    say('v-cycle', v.cycle);
    say('v-what', what(v));
    say('v-valid', longDate(v.valid_from) + ' – ' + longDate(v.valid_until));
    $('nik').value = '';
    say('nik-state', '');
    $('handover').disabled = true;
    // No head with a NIK when the voucher was issued: the commitment is all zeros and the officer
    // checks the KK and KTP by eye instead.
    var noNik = /^0+$/.test(v.recipient);
    $('nik-part').hidden = noNik;
    $('no-nik').hidden = !noNik;
    $('seen').checked = false;
  }
  function resetCheck() {
    current = null;
    $('voucher-view').hidden = true;
    $('handover').disabled = true;
    photo = null;
    $('handover-photo').value = '';
    say('photo-state', '');
  }

  // --- The hand-over photo: drawn again on a canvas, longest side at most 800 px, as JPEG, so it is
  // small on a weak connection (and carries none of the camera's metadata). ---
  function base64Bytes(b64) { return Math.floor(b64.length / 4) * 3; }
  // Read as a data: URL, which the page's Content-Security-Policy allows for images (blob: it does not).
  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = function () { reject(new Error('unreadable')); };
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = function () { reject(new Error('not an image')); };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }
  function downscale(img) {
    var scale = Math.min(1, PHOTO_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
    var canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
    canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
    var quality = 0.7;
    var b64 = canvas.toDataURL('image/jpeg', quality).split(',')[1] || '';
    while (base64Bytes(b64) > PHOTO_MAX_BYTES && quality > 0.3) {
      quality -= 0.15;
      b64 = canvas.toDataURL('image/jpeg', quality).split(',')[1] || '';
    }
    if (!b64 || base64Bytes(b64) > PHOTO_MAX_BYTES) { throw new Error('too large'); }
    return b64;
  }
  $('handover-photo').addEventListener('change', function () {
    var file = this.files && this.files[0];
    photo = null;
    say('photo-state', '');
    if (!file) { return; }
    loadImage(file).then(downscale).then(function (b64) {
      photo = b64;
      $('photo-state').setAttribute('data-bytes', String(base64Bytes(b64)));
      say('photo-state', T.photo_kept);
    }).catch(function () {
      $('handover-photo').value = '';
      say('photo-state', T.photo_failed);
    });
  });

  // --- The position: asked once; a refusal or no fix leaves it out. ---
  var askedPosition = false;
  function askPosition() {
    if (askedPosition || !navigator.geolocation) { return; }
    askedPosition = true;
    navigator.geolocation.getCurrentPosition(function (p) {
      // About a metre is enough to say where; more would only look precise.
      position = {
        lat: Math.round(p.coords.latitude * 1e5) / 1e5,
        lon: Math.round(p.coords.longitude * 1e5) / 1e5
      };
    }, function () { position = null; }, { enableHighAccuracy: false, maximumAge: 600000, timeout: 15000 });
  }

  $('check').addEventListener('click', function () { checkText($('voucher-text').value); });
  function checkText(text) {
    resetCheck();
    say('check-state', T.checking);
    $('check-state').removeAttribute('data-refusal');
    return check(text).then(function (r) {
      if (r.refusal) {
        $('check-state').setAttribute('data-refusal', r.refusal);
        say('check-state', r.message);
        return;
      }
      current = { text: text.trim(), v: r.ok };
      // Asked at the first valid voucher rather than on opening the page, when the officer sees why.
      askPosition();
      say('check-state', T.valid);
      showVoucher(r.ok);
      $('nik').focus();
    });
  }

  $('nik-check').addEventListener('click', function () {
    if (!current) { return; }
    var nik = $('nik').value.replace(/\s+/g, '');
    if (!/^[0-9]{16}$/.test(nik)) { say('nik-state', T.nik_format); return; }
    recipientMatches(current.v, nik).then(function (same) {
      $('nik-state').setAttribute('data-match', same ? '1' : '0');
      say('nik-state', same ? T.nik_match : T.nik_mismatch);
      $('handover').disabled = !same;
    });
    // The NIK is only compared, never kept.
    $('nik').value = '';
  });

  $('seen').addEventListener('change', function () {
    $('handover').disabled = !(current && /^0+$/.test(current.v.recipient) && $('seen').checked);
  });

  $('handover').addEventListener('click', function () {
    if (!current) { return; }
    var v = current.v;
    var record = {
      id: uuidv7(),
      claim: {
        voucher: current.text,
        handed_at: new Date().toISOString(),
        device: deviceId,
        point: $('point').value || null,
        lat: position ? position.lat : null,
        lon: position ? position.lon : null,
        photo: photo
      },
      label: v.program + ' ' + v.cycle + ' · ' + what(v) + (photo ? ' · ' + T.handover_photo : ''),
      state: 'waiting'
    };
    record.claim.id = record.id;
    put('outbox', record).then(function () {
      resetCheck();
      $('voucher-text').value = '';
      say('check-state', T.saved);
      return render();
    }).then(function () { if (navigator.onLine) { sync(); } });
  });

  // --- The outbox. ---
  function el(tag, content, cls) {
    var e = document.createElement(tag);
    e.textContent = content;
    if (cls) { e.className = cls; }
    return e;
  }
  var LABELS = {
    waiting: 'state_waiting', accepted: 'state_accepted', already_synced: 'state_already',
    duplicate: 'state_duplicate', refused: 'state_refused'
  };
  function render() {
    return all('outbox').then(function (records) {
      records.sort(function (a, b) { return a.id < b.id ? 1 : -1; });
      var list = $('outbox');
      list.textContent = '';
      var waiting = 0;
      records.forEach(function (r) {
        if (r.state === 'waiting') { waiting += 1; }
        var li = document.createElement('li');
        li.className = 'outbox-item' + (r.state === 'duplicate' || r.state === 'refused' ? ' flagged' : '');
        li.setAttribute('data-id', r.id);
        li.setAttribute('data-state', r.state);
        li.appendChild(el('strong', r.label));
        li.appendChild(el('p', T[LABELS[r.state]] || r.state, 'badge'));
        if (r.message) { li.appendChild(el('p', r.message, 'field-error')); }
        list.appendChild(li);
      });
      say('outbox-count', String(waiting));
      $('outbox-empty').hidden = records.length > 0;
      return waiting;
    });
  }
  function showNet() { say('net-state', navigator.onLine ? T.online : T.offline); }

  function outcomeOf(result) {
    switch (result.status) {
      case 'accepted': return { state: 'accepted' };
      case 'already_synced': return { state: 'already_synced' };
      case 'duplicate':
        return { state: 'duplicate', message: fill(T.duplicate_at, { at: result.first_at ? new Date(result.first_at).toLocaleString(LANG === 'en' ? 'en-GB' : 'id-ID') : '?' }) };
      default: return { state: 'refused', message: result.message || '' };
    }
  }
  // Requests of at most BATCH records and BATCH_PHOTO_BYTES of photos, in the outbox's order.
  function batches(records) {
    var out = [];
    var cur = [];
    var bytes = 0;
    records.forEach(function (r) {
      var size = r.claim.photo ? base64Bytes(r.claim.photo) : 0;
      if (cur.length && (cur.length >= BATCH || bytes + size > BATCH_PHOTO_BYTES)) {
        out.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(r);
      bytes += size;
    });
    if (cur.length) { out.push(cur); }
    return out;
  }
  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    say('sync-state', T.syncing);
    var outcome = T.sync_done;
    return all('outbox').then(function (records) {
      var waiting = records.filter(function (r) { return r.state === 'waiting'; });
      var chain = Promise.resolve();
      batches(waiting).forEach(function (batch) {
        (function (batch) {
          chain = chain.then(function () {
            if (outcome !== T.sync_done) { return; }
            return fetch('/api/v1/handovers', {
              method: 'POST',
              credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': CSRF, 'Accept-Language': LANG },
              body: JSON.stringify({ handovers: batch.map(function (r) { return r.claim; }) })
            }).then(function (res) {
              if (res.status === 401) { outcome = T.sync_signin; return; }
              if (!res.ok) { outcome = T.sync_failed; return; }
              return res.json().then(function (answer) {
                var byId = {};
                batch.forEach(function (r) { byId[r.id] = r; });
                return (answer.results || []).reduce(function (p, result) {
                  var r = byId[result.id];
                  if (!r) { return p; }
                  var o = outcomeOf(result);
                  r.state = o.state;
                  r.message = o.message || null;
                  // The server keeps the photo now; a refused record keeps it for another look.
                  if (o.state !== 'refused') { r.claim.photo = null; }
                  return p.then(function () { return put('outbox', r); });
                }, Promise.resolve());
              });
            });
          });
        })(batch);
      });
      return chain;
    }).catch(function () {
      outcome = T.sync_failed;
    }).then(function () {
      syncing = false;
      say('sync-state', outcome);
      return render();
    });
  }
  $('outbox-clear').addEventListener('click', function () {
    all('outbox').then(function (records) {
      return Promise.all(records.filter(function (r) { return r.state !== 'waiting'; })
        .map(function (r) { return del('outbox', r.id); }));
    }).then(render);
  });

  // --- The camera, where there is one: jsQR on video frames, loaded only when asked for. ---
  var stream = null;
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(); return; }
      var s = document.createElement('script');
      s.src = src;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error('script')); };
      document.head.appendChild(s);
    });
  }
  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    $('camera-view').hidden = true;
  }
  $('camera').addEventListener('click', function () {
    if (stream) { stopCamera(); return; }
    var video = $('video');
    loadScript(root.getAttribute('data-jsqr')).then(function () {
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    }).then(function (s) {
      stream = s;
      video.srcObject = s;
      $('camera-view').hidden = false;
      return video.play();
    }).then(function () {
      var canvas = document.createElement('canvas');
      var ctx = canvas.getContext('2d', { willReadFrequently: true });
      var tick = function () {
        if (!stream) { return; }
        if (video.readyState >= 2 && video.videoWidth) {
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          ctx.drawImage(video, 0, 0);
          var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
          var code = window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
          if (code && code.data.indexOf(PREFIX) === 0) {
            stopCamera();
            $('voucher-text').value = code.data;
            checkText(code.data);
            return;
          }
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }).catch(function () {
      stopCamera();
      say('check-state', T.no_camera);
    });
  });

  // --- Signing out deletes what this page keeps on the phone (waiting hand-overs after a warning). ---
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
          signOut.setAttribute('data-cleared', '1');
          signOut.submit();
        });
      });
    });
  }

  // --- Start. ---
  $('camera').hidden = !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  $('sync-now').addEventListener('click', function () { sync(); });
  $('refresh').addEventListener('click', function () { refresh(); });
  window.addEventListener('online', function () { showNet(); sync(); });
  window.addEventListener('offline', showNet);
  showNet();
  claimOwner().then(loadCached).then(render).then(function () {
    return navigator.onLine ? refresh() : null;
  }).then(function () {
    root.setAttribute('data-ready', '1');
    if (navigator.onLine) { sync(); }
  }).catch(function () {
    say('sync-state', T.no_storage);
  });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register(root.getAttribute('data-sw'), { scope: root.getAttribute('data-scope') }).catch(function () {});
  }
})();
