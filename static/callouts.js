// Call-out pages: live audience count and preview while filtering; progress that updates itself.
"use strict";

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function setField(root, name, value) {
  root.querySelectorAll(`[data-field="${name}"]`).forEach((el) => { el.textContent = value; });
}

function watchAudience(form) {
  const total = document.getElementById("audience-total");
  const refresh = debounce(async () => {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) {
      if (["skills", "region", "has_vehicle", "language", "note", "wave_size",
           "wave_interval_minutes", "is_urgent"].includes(key)) params.append(key, value);
    }
    try {
      const response = await fetch(`${form.dataset.previewUrl}?${params}`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      total.textContent = data.total;
      form.dataset.confirm = data.plan;  // what the coordinator confirms on Send
      const plan = document.getElementById("send-plan");
      if (plan) plan.textContent = data.plan;
      for (const preview of data.previews) {
        const box = document.querySelector(`.sms-preview[data-language="${preview.language}"]`);
        if (!box) continue;
        for (const key of ["text", "segments", "encoding", "recipients", "cost"]) setField(box, key, preview[key]);
        const routes = box.querySelector('[data-html="routes"]');
        if (routes) routes.innerHTML = preview.routes_html;  // rendered (and escaped) by the server
      }
    } catch (error) {
      // Offline for a moment: the numbers stay as they were; sending still works.
    }
  }, 250);
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
}

function watchProgress(section) {
  // The server says what the call-out is doing (held, sending wave k of n, waiting, finished):
  // swap its words and bars in until nothing more can change on its own.
  const poll = async () => {
    try {
      const response = await fetch(section.dataset.progressUrl, { headers: { Accept: "text/html" } });
      if (response.ok) {
        section.innerHTML = await response.text();
        const state = section.querySelector("[data-live]");
        if (state && state.dataset.live === "0") return;
      }
    } catch (error) {
      // Keep polling: the network on site comes and goes.
    }
    setTimeout(poll, 2000);
  };
  const state = section.querySelector("[data-live]");
  if (!state || state.dataset.live !== "0") setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("callout-form");
  if (form) watchAudience(form);
  const progress = document.getElementById("callout-progress");
  if (progress) watchProgress(progress);
});
