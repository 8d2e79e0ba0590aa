// The notices' service worker (docs/notifications.md): shows each web push tepat sends (title and
// body, already in the household's language) and opens the status page when it is tapped. Scope:
// /warga/pemberitahuan/, apart from the citizen app's own worker.
'use strict';
self.addEventListener('push', function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || 'TEPAT';
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || '',
    tag: data.tag || undefined,
    data: { url: data.url || '/cek' }
  }));
});
self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || '/cek';
  event.waitUntil(self.clients.openWindow(url));
});
