// The SMS simulator: keep the phone's thread fresh while a call-out goes out, newest in view.
document.addEventListener("DOMContentLoaded", () => {
  const thread = document.querySelector(".sim-thread[data-thread-url]");
  if (!thread) return;
  const showLatest = () => { thread.scrollTop = thread.scrollHeight; };
  showLatest();
  let last = thread.innerHTML;
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(thread.dataset.threadUrl, { credentials: "same-origin" });
      if (!response.ok) return;
      const html = await response.text();
      if (html !== last) {
        thread.innerHTML = html;
        last = html;
        showLatest();
      }
    } catch (error) {
      // Offline for a moment: the next tick tries again.
    }
  };
  window.setInterval(refresh, 3000);
});
