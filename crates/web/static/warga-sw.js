// The citizens' service worker (scope /): keeps the status page (/cek), the information pages and an
// offline page, so a phone without signal still opens them; the last status card itself lives in the
// page's localStorage (warga.js), never here. It keeps only the citizen pages it lists and their hashed
// assets; any other page goes to the network untouched (only a failed navigation gets the offline
// page), requests of scripts (/api/) are not touched at all, and the officers' workers (/lapangan,
// /penyaluran/pindai) have narrower scopes, which browsers prefer there. The server writes the lists
// and the version in.
'use strict';
var CACHE = 'tepat-warga-__VERSION__';
var PRECACHE = "__PRECACHE__";
var PAGES = "__PAGES__";
var CHECK = '/cek';
var FALLBACK = '/warga/luring';

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(PRECACHE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf('tepat-warga-') === 0 && k !== CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(path) {
  return caches.open(CACHE).then(function (cache) { return cache.match(path); });
}

// The network first (fresh numbers and a fresh form token); the kept copy, then the offline page,
// without signal. Only plain 200 answers are kept: never an error page or a redirect.
function page(request, path) {
  return fetch(request).then(function (response) {
    if (response.status === 200 && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return kept(path).then(function (hit) {
      return hit || kept(FALLBACK).then(function (off) { return off || Response.error(); });
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === 'POST' && url.pathname === CHECK && request.mode === 'navigate') {
    // A check sent without signal: the kept status page, which shows the last card on this phone.
    // The answer to a check is never kept (it holds a pass for the follow-up forms).
    event.respondWith(fetch(request).catch(function () {
      return kept(CHECK).then(function (hit) { return hit || kept(FALLBACK); })
        .then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (request.method !== 'GET') { return; }
  if (PAGES.indexOf(url.pathname) >= 0 && url.search === '') {
    event.respondWith(page(request, url.pathname));
    return;
  }
  if (PRECACHE.indexOf(url.pathname) >= 0 && url.pathname.indexOf('/static/') === 0) {
    // Hashed names never change content: the kept copy first.
    event.respondWith(kept(url.pathname).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode === 'navigate') {
    // Any other page: untouched while there is signal; the offline page instead of the browser's
    // error without it.
    event.respondWith(fetch(request).catch(function () {
      return kept(FALLBACK).then(function (off) { return off || Response.error(); });
    }));
  }
});
