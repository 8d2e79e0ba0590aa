// tepat: passkeys (WebAuthn). Sign-in on /signin (#passkey-signin) and adding a passkey on
// /home/passkeys (#passkey-add). Our own file, served from /static (the CSP allows no inline script);
// the messages come from the page's data-msg-* attributes, in the page's language.
(function () {
  "use strict";

  function b64uEncode(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function b64uDecode(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var raw = atob(s), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function supported() {
    return window.isSecureContext && !!window.PublicKeyCredential && !!navigator.credentials;
  }

  // The server's JSON (PublicKeyCredential*OptionsJSON) → the options the browser API takes.
  function creationOptions(json) {
    var o = json.publicKey || json;
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(o);
    }
    o.challenge = b64uDecode(o.challenge);
    o.user.id = b64uDecode(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = b64uDecode(c.id); });
    return o;
  }

  function requestOptions(json) {
    var o = json.publicKey || json;
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(o);
    }
    o.challenge = b64uDecode(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = b64uDecode(c.id); });
    return o;
  }

  // A PublicKeyCredential → RegistrationResponseJSON / AuthenticationResponseJSON.
  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") return cred.toJSON();
    var r = cred.response, response = { clientDataJSON: b64uEncode(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = b64uEncode(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = b64uEncode(r.authenticatorData);
      response.signature = b64uEncode(r.signature);
      if (r.userHandle) response.userHandle = b64uEncode(r.userHandle);
    }
    return {
      id: cred.id,
      rawId: b64uEncode(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: response
    };
  }

  function ServerError(message) { this.message = message; }

  function post(url, token, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) throw new ServerError(json.error || "");
        return json;
      });
    });
  }

  // What to tell the user about an error, in the page's language.
  function explain(box, error) {
    if (error instanceof ServerError && error.message) return error.message;
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "AbortError") return box.dataset.msgCancelled;
    if (name === "InvalidStateError") return box.dataset.msgExists;
    return box.dataset.msgFailed;
  }

  function showError(el, message) {
    var p = el.querySelector("p") || el;
    p.textContent = message;
    el.hidden = false;
  }

  function csrfOf(root) {
    var input = root.querySelector('input[name="csrf"]') || document.querySelector('input[name="csrf"]');
    return input ? input.value : "";
  }

  // /signin
  var signin = document.getElementById("passkey-signin");
  if (signin) {
    var box = document.getElementById("passkey-box");
    var error = document.getElementById("passkey-error");
    if (!supported()) {
      signin.disabled = true;
      showError(error, box.dataset.msgUnsupported);
    }
    signin.addEventListener("click", function () {
      var token = csrfOf(document);
      var next = document.querySelector('input[name="next"]');
      var finish = box.dataset.finish + (next && next.value ? "?next=" + encodeURIComponent(next.value) : "");
      error.hidden = true;
      signin.disabled = true;
      post(box.dataset.options, token, {})
        .then(function (options) {
          return navigator.credentials.get({ publicKey: requestOptions(options) });
        })
        .then(function (cred) { return post(finish, token, credentialJSON(cred)); })
        .then(function (done) { window.location.assign(done.redirect || "/home"); })
        .catch(function (e) {
          signin.disabled = false;
          showError(error, explain(box, e));
        });
    });
  }

  // /home/passkeys
  var form = document.getElementById("passkey-add");
  if (form) {
    var addError = document.getElementById("passkey-error");
    var status = document.getElementById("passkey-status");
    var button = document.getElementById("passkey-create");
    if (!supported()) {
      button.disabled = true;
      showError(addError, form.dataset.msgUnsupported);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = csrfOf(form);
      addError.hidden = true;
      button.disabled = true;
      post(form.dataset.options, token, {
        name: form.elements.name.value,
        password: form.elements.password.value
      })
        .then(function (options) {
          status.textContent = form.dataset.msgWaiting;
          status.hidden = false;
          return navigator.credentials.create({ publicKey: creationOptions(options) });
        })
        .then(function (cred) { return post(form.dataset.finish, token, credentialJSON(cred)); })
        .then(function (done) { window.location.assign(done.redirect || "/home/passkeys"); })
        .catch(function (e) {
          button.disabled = false;
          status.hidden = true;
          form.elements.password.value = "";
          showError(addError, explain(form, e));
        });
    });
  }
})();
