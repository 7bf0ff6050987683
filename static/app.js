// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Forms that ask before doing something hard to undo: <form data-confirm="...">
  // Delegated, so forms a script swaps into the page later ask too.
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // After a refused form: the cursor waits in the first field in error (again after the
  // browser's own jump to the #anchor of the form, which would otherwise take focus away).
  const firstInvalid = document.querySelector("[aria-invalid='true']");
  if (firstInvalid) {
    firstInvalid.focus();
    window.addEventListener("load", () => setTimeout(() => firstInvalid.focus(), 0));
  }

  // Length counters "12/100", marked when over: nothing is cut, the server refuses it.
  document.querySelectorAll("[data-max]").forEach((input) => {
    const counter = document.getElementById(`${input.id}-count`);
    if (!counter) return;
    input.addEventListener("input", () => {
      const used = [...input.value].length;
      counter.querySelector(".used").textContent = used;
      counter.classList.toggle("over", used > Number(input.dataset.max));
    });
  });
});
