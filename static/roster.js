// The live roster: fetch the grid every few seconds and swap it in, without reloading.
// Skipped while a coordinator is using a menu in the grid, so nothing moves under their hand.
(() => {
  const root = document.getElementById("roster");
  if (!root) return;
  const url = root.dataset.liveUrl;
  const seconds = Number(root.dataset.pollSeconds) || 5;
  const status = document.getElementById("live-status");
  let etag = null;

  const busy = () => root.contains(document.activeElement) || root.querySelector("details[open]");

  async function refresh() {
    if (document.hidden || busy()) return;
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await fetch(url, { headers, credentials: "same-origin" });
      if (response.status === 304) return mark(true);
      if (!response.ok) return mark(false);
      etag = response.headers.get("ETag");
      const html = await response.text();
      if (!busy()) root.innerHTML = html;
      mark(true);
    } catch (error) {
      mark(false);
    }
  }

  function mark(ok) {
    if (!status) return;
    status.classList.toggle("stale", !ok);
    status.dataset.updated = new Date().toISOString();
    if (!ok) status.textContent = status.dataset.offline || "Offline: retrying…";
  }

  // Forms inside the grid are replaced on refresh, so their confirmation is delegated.
  root.addEventListener("submit", (event) => {
    const message = event.target.dataset.rosterConfirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Suggestions for "add someone by hand": names and phones as the coordinator types.
  const input = document.querySelector("input[data-lookup-url]");
  const list = document.getElementById("volunteer-suggestions");
  let timer = null;
  if (input && list) {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        if (input.value.trim().length < 2) return;
        const lookup = `${input.dataset.lookupUrl}?q=${encodeURIComponent(input.value.trim())}`;
        const response = await fetch(lookup, { credentials: "same-origin" });
        if (!response.ok) return;
        const data = await response.json();
        list.replaceChildren(...data.volunteers.map((v) => {
          const option = document.createElement("option");
          option.value = v.value;
          option.label = v.label;
          return option;
        }));
      }, 250);
    });
  }

  setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", refresh);
})();
