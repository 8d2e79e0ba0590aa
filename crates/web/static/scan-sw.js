// The service worker of the voucher scan page (/penyaluran/pindai): keeps the page shell and its
// assets (the Ed25519 verifier and the QR decoder among them) so the page opens without signal.
// Hand-overs, keys and points live in IndexedDB (scan.js), never here; requests to /api/ always go to
// the network. The server writes the list of URLs and the version in.
'use strict';
var CACHE = 'tepat-pindai-__VERSION__';
var PRECACHE = "__PRECACHE__";
var PAGE = '/penyaluran/pindai';

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(PRECACHE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf('tepat-pindai-') === 0 && k !== CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname === PAGE) {
    // The network first (a fresh page and CSRF token); the kept copy without signal.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(PAGE, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(PAGE).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (url.pathname.indexOf('/static/') === 0) {
    // Hashed names never change content: the kept copy first.
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
