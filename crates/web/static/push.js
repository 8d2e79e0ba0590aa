// Web push on /warga/pemberitahuan (docs/notifications.md): registers the page's own service worker,
// asks for permission, subscribes with the server's VAPID key and submits the subscription as the
// address of the "push" channel. Without this script the page works; only push is unavailable.
(function () {
  'use strict';
  var button = document.querySelector('[data-push-subscribe]');
  if (!button) return;
  var form = button.form;
  var field = form.querySelector('[data-push-address]');
  var script = document.currentScript || document.querySelector('script[data-worker]');
  var worker = script && script.getAttribute('data-worker');
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !worker) {
    button.disabled = true;
    var note = form.querySelector('[data-push-unsupported]');
    if (note) note.hidden = false;
    return;
  }
  function key(base64url) {
    var padded = (base64url + '===='.slice(base64url.length % 4)).replace(/-/g, '+').replace(/_/g, '/');
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  button.addEventListener('click', function (event) {
    if (field.value) return; // subscribed already: submit
    event.preventDefault();
    button.disabled = true;
    navigator.serviceWorker.register(worker, { scope: '/warga/pemberitahuan/' })
      .then(function (registration) {
        return Notification.requestPermission().then(function (permission) {
          if (permission !== 'granted') throw new Error('permission ' + permission);
          return registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: key(button.getAttribute('data-vapid'))
          });
        });
      })
      .then(function (subscription) {
        field.value = JSON.stringify(subscription);
        var action = document.createElement('input');
        action.type = 'hidden';
        action.name = 'action';
        action.value = 'add';
        form.appendChild(action);
        form.submit();
      })
      .catch(function () {
        button.disabled = false;
        var note = form.querySelector('[data-push-unsupported]');
        if (note) note.hidden = false;
      });
  });
})();
