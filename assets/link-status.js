// Moves a waiting sign-in on as soon as a link opened on another device approves or refuses
// it: polls the status of this sign-in and, once decided, goes to the page that acts on it.
(() => {
  const el = document.querySelector('[data-link-status]');
  if (!el) return;
  const poll = async () => {
    try {
      const r = await fetch(el.dataset.linkStatus, { credentials: 'same-origin', cache: 'no-store' });
      if (r.ok && (await r.json()).decided) {
        location.assign(el.dataset.linkNext);
        return;
      }
      if (r.status >= 400 && r.status < 500) return;
    } catch (_) { /* offline for a moment: try again */ }
    setTimeout(poll, 1500);
  };
  setTimeout(poll, 1500);
})();
