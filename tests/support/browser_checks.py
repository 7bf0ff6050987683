"""Checks every browser test can run on the page it just loaded.

`check_accessibility(page)` runs axe-core (axe-playwright-python) and fails on any serious
or critical violation; `small_tap_targets(page)` lists controls a thumb cannot hit on a phone
(WCAG 2.5.5: 44 x 44 CSS pixels); `live_server_on(app, port)` serves the app on one of this
test run's own ports.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

SERIOUS = ("serious", "critical")
MIN_TAP = 44
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def check_accessibility(page, where: str = "") -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    serious = [v for v in violations if v["impact"] in SERIOUS]
    assert not serious, "\n".join(
        f"{where or page.url}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
            for n in v["nodes"][:5]
        )
        for v in serious
    )


# Links inside a sentence are exempt (WCAG 2.5.5 "inline"); hidden things are not targets.
TAP_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, summary, select, input:not([type=hidden]), textarea')]
  .filter((el) => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') return false;
    if (el.closest('p, dd, td, blockquote, .prose') && el.tagName === 'A') return false;
    if (el.type === 'checkbox' || el.type === 'radio') return false;  // their label is the target
    return box.height < MIN_TAP - 0.5 || box.width < MIN_TAP - 0.5;
  })
  .map((el) => {
    const box = el.getBoundingClientRect();
    const label = (el.innerText || el.value || el.name || '').trim().slice(0, 30);
    return `${el.tagName.toLowerCase()}.${el.className} "${label}" ` +
      `${Math.round(box.width)}x${Math.round(box.height)}`;
  })
""".replace("MIN_TAP", str(MIN_TAP))


def small_tap_targets(page) -> list[str]:
    return page.evaluate(TAP_TARGETS)


@contextmanager
def live_server_on(app: Flask, port: int) -> Iterator[str]:
    """Serve `app` on 127.0.0.1:`port` from a thread; yields the base URL."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
