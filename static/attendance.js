// The team lead's attendance page: marks save without a reload, and two phones stay in step
// by polling the shift's state every few seconds. Without this file every button still works
// as a plain form post.
(() => {
  const POLL_MS = 4000;

  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  function applyRow(id, row) {
    const item = document.querySelector(`li.person[data-signup="${id}"]`);
    if (!item) return false;
    const where = row.on_site ? "on-site" : (row.out ? "checked-out" : "not-here");
    item.className = `person state-${row.status} ${where}`;
    item.querySelector(".person-status").textContent = row.label;
    const times = [];
    if (row.in) times.push(`${item.closest("#day").dataset.inLabel || "in"} ${row.in}`);
    if (row.out) times.push(`${item.closest("#day").dataset.outLabel || "out"} ${row.out}`);
    item.querySelector(".person-times").textContent = times.join(" · ");
    return true;
  }

  function listItems(list, items, render) {
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      render(li, item);
      return li;
    }));
  }

  function applyState(state) {
    let unknown = false;
    for (const [id, row] of Object.entries(state.rows)) unknown = !applyRow(id, row) || unknown;
    listItems(document.getElementById("headcount"), state.headcount, (li, h) => {
      const strong = document.createElement("strong");
      strong.textContent = `${h.present}/${h.expected}`;
      li.append(strong, ` ${h.role}`);
    });
    listItems(document.getElementById("on-site"), state.on_site, (li, p) => {
      const detail = document.createElement("span");
      detail.className = "muted";
      detail.textContent = p.vehicle ? `${p.role} · ${p.vehicle}` : p.role;
      li.append(`${p.name} `, detail);
    });
    document.getElementById("on-site-count").textContent = state.on_site.length;
    const shown = document.querySelectorAll("li.person").length;
    // Someone added a walk-in on another phone: only a reload can draw the new row.
    if (unknown || Object.keys(state.rows).length !== shown) window.location.reload();
  }

  function say(text, isError) {
    const status = document.getElementById("sync-status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  async function send(form, action) {
    const body = new FormData(form);
    body.set("action", action);
    form.classList.add("saving");
    try {
      // form.action would be the buttons named "action", not the URL.
      const response = await fetch(form.getAttribute("action"), {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error?.message || response.statusText);
      applyState(data);
      say("");
    } catch (error) {
      say(error.message, true);
    } finally {
      form.classList.remove("saving");
    }
  }

  async function poll(url) {
    if (document.visibilityState !== "visible" || document.querySelector("form.saving")) return;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) applyState(await response.json());
    } catch (error) {
      say(error.message, true); // offline for a moment: keep the last known state
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const day = document.getElementById("day");
    if (!day) return;
    document.querySelectorAll("form[data-mark]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        send(form, event.submitter?.value || "");
        form.querySelector("details[open]")?.removeAttribute("open");
      });
    });
    setInterval(() => poll(day.dataset.stateUrl), POLL_MS);
  });
})();
