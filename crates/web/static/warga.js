// The citizens' pages' script (docs/citizen-app.md); the pages work without it.
// 1. Registers the citizens' service worker, so the status page and the information pages open
//    without signal.
// 2. On the status page (/cek): after a successful check, keeps the card on this phone (localStorage;
//    the card never holds the NIK or KK number, and the follow-up forms with their pass are left out)
//    and, on a later visit — with or without signal — shows it as "the last check on this device", with
//    a button to delete it.
'use strict';
(function () {
  var KEY = 'tepat.cek.terakhir';

  var script = document.currentScript;
  if ('serviceWorker' in navigator && script && script.dataset.sw) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: '/' }).catch(function () {});
  }

  function read() {
    try {
      var kept = JSON.parse(localStorage.getItem(KEY) || 'null');
      return kept && typeof kept.html === 'string' ? kept : null;
    } catch (e) {
      return null;
    }
  }

  function forget() {
    try { localStorage.removeItem(KEY); } catch (e) { /* storage refused: nothing kept */ }
  }

  // The card as it may stay on the phone: without forms, passes or anything marked not to keep.
  function keepable(card) {
    var copy = card.cloneNode(true);
    copy.querySelectorAll('form, [data-nokeep], input[name=pass]').forEach(function (el) {
      el.parentNode.removeChild(el);
    });
    copy.removeAttribute('id');
    copy.removeAttribute('aria-labelledby');
    copy.querySelectorAll('[id]').forEach(function (el) { el.removeAttribute('id'); });
    return copy.outerHTML;
  }

  function keep(card) {
    try {
      localStorage.setItem(KEY, JSON.stringify({ v: 1, html: keepable(card) }));
      return true;
    } catch (e) {
      return false;
    }
  }

  function showKept(box, kept) {
    var slot = box.querySelector('[data-kept-card]');
    // Our own page's markup, kept by this page on this phone; the site's policy allows no inline script.
    slot.innerHTML = kept.html;
    box.hidden = false;
    var offline = box.querySelector('[data-offline]');
    if (!offline) { return; }
    var update = function () { offline.hidden = navigator.onLine !== false; };
    update();
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
  }

  function wireForget(button, after) {
    if (!button) { return; }
    button.addEventListener('click', function () {
      forget();
      after();
    });
  }

  function statusPage() {
    var card = document.getElementById('card');
    var saved = document.getElementById('saved');
    var box = document.getElementById('kept');
    if (card && saved) {
      if (keep(card)) {
        saved.hidden = false;
        wireForget(saved.querySelector('button'), function () {
          saved.querySelector('[data-done]').hidden = false;
          saved.querySelector('button').hidden = true;
        });
      }
      return;
    }
    var kept = read();
    if (!box || !kept) { return; }
    showKept(box, kept);
    wireForget(box.querySelector('button[data-forget]'), function () {
      box.querySelector('[data-kept-card]').textContent = '';
      box.hidden = true;
      var done = document.getElementById('forgotten');
      if (done) { done.hidden = false; done.focus(); }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', statusPage);
  } else {
    statusPage();
  }
})();
