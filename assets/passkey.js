// Passkeys on Tessera's pages: sign in (button, after typing an email, or by browser autofill),
// register, and signal removed ones. No dependencies; without JavaScript or WebAuthn the pages
// still work by email.
(() => {
  "use strict";
  // The WebAuthn Signal API, where the browser has it: the account page tells the passkey
  // provider which of the account's passkeys still work, and that a removed one is gone, so it
  // leaves the person's password manager. `data-signalled` records what the browser answered.
  const signals = document.getElementById("passkey-signals");
  if (signals && window.PublicKeyCredential) {
    const { rpId, userId, accepted, removed } = signals.dataset;
    const calls = [];
    if (removed && PublicKeyCredential.signalUnknownCredential) {
      calls.push(PublicKeyCredential.signalUnknownCredential({ rpId, credentialId: removed }));
    }
    if (PublicKeyCredential.signalAllAcceptedCredentials) {
      const allAcceptedCredentialIds = accepted ? accepted.split(" ") : [];
      calls.push(PublicKeyCredential.signalAllAcceptedCredentials({ rpId, userId, allAcceptedCredentialIds }));
    }
    Promise.allSettled(calls).then((results) => {
      signals.dataset.signalled = results.map((r) => r.status).join(" ") || "unsupported";
    });
  }

  if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) return;
  // Tells the server this browser can create passkeys, so it may offer one after sign-in.
  document.querySelectorAll('input[name="passkey_capable"]').forEach((input) => { input.value = "1"; });

  // The page's messages, in its language, by the codes the server answers with.
  const source = document.getElementById("passkey-messages");
  const messages = source ? JSON.parse(source.textContent) : {};
  const say = (code) => messages[code] || messages.failed || code;
  const status = (text) => {
    const el = document.getElementById("passkey-status");
    if (el) el.textContent = text;
  };

  async function post(url, csrf, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf || "" },
      body: JSON.stringify(body || {}),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(say(json.error));
    return json;
  }

  const login = document.querySelector("[data-passkey-login]");
  if (login) {
    const base = login.dataset.passkeyLogin;
    const csrf = login.dataset.csrf;
    let pending = null; // one get() at a time: a new one aborts the last
    let finishing = false; // once an assertion is sent, the sign-in is that one's
    async function signIn(conditional) {
      if (finishing) return;
      if (pending) pending.abort();
      const abort = (pending = new AbortController());
      const email = document.getElementById("email");
      const start = await post(base + "/start", csrf, conditional ? {} : { email: email ? email.value : "" });
      const credential = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(start.publicKey),
        signal: abort.signal,
        ...(conditional ? { mediation: "conditional" } : {}),
      });
      // A newer request took over (the button after autofill), or the other one already
      // answered: only one may sign in.
      if (abort.signal.aborted || finishing) return;
      finishing = true;
      const done = await post(base + "/finish", csrf, { ceremony: start.ceremony, credential: credential.toJSON() })
        .catch((e) => { finishing = false; throw e; });
      location.assign(done.redirect);
    }
    const button = document.getElementById("passkey-signin");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", () =>
        signIn(false).catch((e) => {
          if (e.name === "AbortError") return;
          status(e.name === "NotAllowedError" ? say("no_passkey_used") : e.message);
        }));
    }
    if (PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
        if (available) signIn(true).catch((e) => {
          if (e.name !== "AbortError" && e.name !== "NotAllowedError") status(e.message);
        });
      });
    }
  }

  const register = document.querySelector("[data-passkey-register]");
  if (register) {
    const base = register.dataset.passkeyRegister;
    const csrf = register.dataset.csrf;
    const ticket = register.dataset.ticket;
    const button = document.getElementById("passkey-register");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const start = await post(base + "/start", csrf, ticket ? { ticket } : {});
          const credential = await navigator.credentials.create({
            publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(start.publicKey),
          });
          await post(base + "/finish", csrf, { ceremony: start.ceremony, credential: credential.toJSON(), ticket });
          status(say("saved"));
          if (register.dataset.next) location.assign(register.dataset.next);
          else if (!ticket) location.reload();
        } catch (e) {
          button.disabled = false;
          if (e.name === "InvalidStateError") status(say("already"));
          else if (e.name === "NotAllowedError") status(say("not_created"));
          else status(e.message);
        }
      });
    }
  }
})();
