"""The built site as a reader sees it: headless Chromium, driven over the DevTools protocol.

:func:`screenshot_pages` keeps a full-page PNG of pages of the built site, at desktop width;
``adl book`` calls it for every chapter after each build (``<build_dir>/screenshots/<preset>/``),
so a reviewer sees what readers see without opening a browser. The site test drives the same
:class:`Browser` through every page at desktop and phone widths.

Chromium is Debian's ``chromium`` package (``chromium-browser`` elsewhere); without it, or
without ``websocket-client``, :class:`SiteError` says so in one line.

Example::

    from adl.book.site import screenshot_pages
    screenshot_pages("build/site/default", ["notebooks/01_data_mixing.html"],
                     "build/screenshots/smoke")   # [.../01_data_mixing.png]
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adl.errors import ADLError, one_line
from adl.io import atomic_open

#: Names of the Chromium executable, tried in order on ``$PATH``.
CHROMIUM_NAMES = ("chromium", "chromium-browser")
#: The desktop viewport of the screenshots (CSS pixels; the site test uses the same).
DESKTOP = (1280, 1600)
#: The tallest full-page capture in pixels: a taller page is scaled down to fit (Chromium's
#: textures stop at 16384 px).
MAX_CAPTURE_HEIGHT = 16000

# Wait for MathJax's first typesetting when MathJax loaded; offline without a local copy it
# did not, and the raw TeX stays (the site test reports it).
MATH_TYPESET = """(async () => {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) {
    await Promise.race([mj.startup.promise, new Promise(r => setTimeout(r, 15000))]);
  }
  return true;
})()"""


class SiteError(ADLError):
    """Headless Chromium is missing or failed, or a page to capture does not exist."""


def find_chromium() -> str | None:
    """The path of the Chromium executable on ``$PATH``, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """Headless Chromium driven over the DevTools protocol (a websocket to one page).

    Args:
        profile: Chromium's user-data folder; None: a temporary one, removed by :meth:`close`.
        chromium: the executable; None: :func:`find_chromium`.
        width, height: the window size in CSS pixels.
    Raises:
        SiteError: Chromium or websocket-client is missing, or Chromium did not start.
    """

    def __init__(self, profile: Path | None = None, *, chromium: str | None = None,
                 width: int = DESKTOP[0], height: int = DESKTOP[1]) -> None:
        try:
            import websocket  # websocket-client
        except ImportError:
            raise SiteError("websocket-client is not installed "
                            "(pip install websocket-client)") from None
        chromium = chromium or find_chromium()
        if chromium is None:
            raise SiteError("chromium is not installed (Debian: apt-get install chromium)")
        self._own_profile = profile is None
        self.profile = Path(tempfile.mkdtemp(prefix="adl-chromium-")) if profile is None \
            else Path(profile)
        self.ws: Any = None
        try:
            self.proc = subprocess.Popen(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-extensions",
                 "--hide-scrollbars", f"--window-size={width},{height}",
                 f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
                 "--remote-allow-origins=*", "about:blank"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            if self._own_profile:
                shutil.rmtree(self.profile, ignore_errors=True)
            raise SiteError(f"cannot run {chromium}: {one_line(e)}") from None
        try:
            port = self._devtools_port(timeout=30)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages = [t for t in json.load(r) if t["type"] == "page"]
            if not pages:
                raise SiteError(f"{chromium} opened no page")
            self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30)
        except BaseException:
            self.close()
            raise
        self._id = 0
        self.send("Page.enable")
        self.send("Runtime.enable")

    def _devtools_port(self, timeout: float) -> int:
        """The port Chromium writes to ``DevToolsActivePort`` in its profile once it listens."""
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.is_file() and port_file.read_text().strip()):
            code = self.proc.poll()
            if code is not None:
                raise SiteError(f"chromium exited with status {code} before opening its "
                                "DevTools port")
            if time.monotonic() > deadline:
                raise SiteError(f"chromium did not open its DevTools port in {timeout:.0f} s")
            time.sleep(0.1)
        return int(port_file.read_text().split()[0])

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result (events in between are dropped)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expression: str) -> Any:
        """Evaluate ``expression`` in the page (promises awaited) and return its value."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll ``expression`` until it is truthy; returns its value.

        Raises:
            TimeoutError: it stayed falsy for ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.js(expression)
            except RuntimeError:  # mid-navigation: the page's context was just replaced
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"waited {timeout} s for {expression}")

    def goto(self, url: str) -> None:
        """Open ``url`` and wait until it has loaded."""
        self.send("Page.navigate", url=url)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def screenshot(self, path: Path, *, full_page: bool = False) -> bytes:
        """Write a PNG of the viewport (or of the whole page) to ``path``, atomically; returns
        its bytes."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:  # the whole page, scaled down where it is taller than a texture allows
            width, height = self.js("[document.documentElement.scrollWidth, "
                                    "document.documentElement.scrollHeight]")
            scale = min(1.0, MAX_CAPTURE_HEIGHT / max(1, height))
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": height, "scale": scale})
        data = base64.b64decode(self.send("Page.captureScreenshot", **params)["data"])
        # A reviewer (or a second build) never finds half a PNG; the temporary file is private
        # (0600) and the screenshot is for others to read.
        with atomic_open(path, "wb") as f:
            f.write(data)
            os.fchmod(f.fileno(), 0o644)
        return data

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        """Emulate a screen of ``width`` x ``height`` CSS pixels (a phone with ``mobile``)."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)

    def settle(self) -> None:
        """Wait until the page's images are loaded and MathJax (if it loaded) has typeset."""
        self.wait_for("[...document.images].every(i => i.complete)")
        self.js(MATH_TYPESET)

    def close(self) -> None:
        """Close the connection, stop Chromium and remove a temporary profile."""
        if self.ws is not None:
            try:
                self.ws.close()
            except Exception:  # the browser may be gone already; closing is best effort
                pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: only chromium's children
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self._own_profile:
            shutil.rmtree(self.profile, ignore_errors=True)


def _browser_failures() -> tuple[type[BaseException], ...]:
    """What a browser session can raise when Chromium misbehaves (not a bug of ours): a closed
    or timed-out socket, a DevTools error, a page that never loads."""
    failures: tuple[type[BaseException], ...] = (OSError, RuntimeError, ValueError)
    try:
        from websocket import WebSocketException
    except ImportError:
        return failures
    return (*failures, WebSocketException)


def screenshot_pages(html_root: str | os.PathLike[str], pages: Sequence[str],
                     out_dir: str | os.PathLike[str], *, width: int = DESKTOP[0],
                     height: int = DESKTOP[1], browser: Browser | None = None) -> list[Path]:
    """A full-page PNG of each page of a built site, at ``width`` CSS pixels.

    Each page is loaded from disk, its images and math are given time to render, and it is
    written to ``<out_dir>/<page name>.png`` atomically. PNGs in ``out_dir`` of pages not in
    ``pages`` are removed once every new one is written, so the folder shows one build.

    Args:
        html_root: the site's HTML folder (``<build_dir>/site/<preset>``).
        pages: page paths relative to it (``notebooks/01_data_mixing.html``); their names
            (``01_data_mixing``) must differ.
        out_dir: where the PNGs go (created).
        width, height: the viewport; the capture covers the whole page below it.
        browser: a running :class:`Browser` to use (left open); None starts and stops one.
    Returns:
        The PNG paths, in the order of ``pages``.
    Raises:
        SiteError: a page is missing, two pages share a name, or Chromium is missing or failed
            (one line).
    """
    html_root, out_dir = Path(html_root), Path(out_dir)
    targets = [out_dir / f"{Path(page).stem}.png" for page in pages]
    if len(set(targets)) != len(targets):
        raise SiteError(f"pages with the same name would share a screenshot: {list(pages)}")
    for page in pages:
        if not (html_root / page).is_file():
            raise SiteError(f"no page {page} in {html_root}")
    out_dir.mkdir(parents=True, exist_ok=True)
    own = browser is None
    try:
        if browser is None:
            browser = Browser(width=width, height=height)
        browser.viewport(width, height)
        for page, target in zip(pages, targets):
            browser.goto((html_root / page).resolve().as_uri())
            browser.settle()
            browser.screenshot(target, full_page=True)
    except SiteError:
        raise
    except _browser_failures() as e:
        raise SiteError(f"chromium failed: {type(e).__name__}: {one_line(e)}") from None
    finally:
        if own and browser is not None:
            browser.close()
    for old in out_dir.glob("*.png"):
        if old not in targets:
            old.unlink()
    return targets
