"""The built smoke site, checked in a real headless browser (Debian's ``chromium``).

Every page of the table of contents is visited: it must render its title and heading, load its
figures (images with a non-zero size), show no error or traceback in a cell output, and lead to
the next chapter through the "next" link. The site is the one test_book.py builds (one build
per session). MathJax comes from a CDN and is absent offline; the pages must render without it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import struct
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from adl.book import NOTEBOOKS

from test_book import COMMITTED, smoke_book

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TITLE = "Audio Difference Learning for Audio Captioning"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None,
                       reason="chromium is not installed (CI installs Debian's chromium package)"),
]


class Browser:
    """Headless Chromium driven over the DevTools protocol (a websocket to one page)."""

    def __init__(self, profile: Path) -> None:
        import websocket  # websocket-client, installed with jupyter-server

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--hide-scrollbars",
             "--window-size=1280,1600", f"--user-data-dir={profile}",
             "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30)
        self._id = 0
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method: str, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0):
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
        self.send("Page.navigate", url=url)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return data

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: only chromium's children
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return Path(smoke_book(tmp_path_factory)["index"]).parent


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


# What a page shows: title, first heading, figures, and any error in a cell output.
PAGE_STATE = """(() => {
  const article = document.querySelector('article') || document.body;
  const imgs = [...article.querySelectorAll('img')];
  const outputs = [...document.querySelectorAll('.cell_output')];
  return {
    title: document.title,
    h1: (article.querySelector('h1') || {}).textContent || '',
    images: imgs.map(i => ({src: i.getAttribute('src'), complete: i.complete,
                            natural: i.naturalWidth, shown: i.getBoundingClientRect().width})),
    errors: outputs.filter(o => o.querySelector('.traceback, .output.error')
                                || /Traceback \\(most recent call last\\)/.test(o.innerText))
                   .map(o => o.innerText.slice(0, 200)),
    next: (document.querySelector('a.right-next') || {}).href || null,
    text: article.innerText.length,
  };
})()"""


def test_index_redirects_to_the_introduction(site, browser, tmp_path):
    index = site / "index.html"
    browser.send("Page.navigate", url=index.as_uri())
    browser.wait_for("location.pathname.endsWith('/intro.html') "
                     "&& document.readyState === 'complete'")
    state = browser.js(PAGE_STATE)
    assert TITLE in state["title"]
    assert TITLE in state["h1"]
    # The pipeline figure (an SVG) loads offline.
    svg = [i for i in state["images"] if i["src"].endswith("adl_pipeline.svg")]
    assert svg and svg[0]["complete"] and svg[0]["natural"] > 0 and svg[0]["shown"] > 0
    png = browser.screenshot(tmp_path / "intro.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000 and height >= 800, (width, height)
    assert len(png) > 20_000, "the screenshot is nearly blank"


def test_every_page_renders_its_figures_without_errors(site, browser):
    pages = ["intro.html"] + [f"notebooks/{p.stem}.html" for p in COMMITTED] + \
            ["full_scale.html", "references.html"]
    for page in pages:
        browser.goto((site / page).as_uri())
        browser.wait_for("[...document.images].every(i => i.complete)")
        state = browser.js(PAGE_STATE)
        assert TITLE in state["title"], page
        assert state["h1"].strip(), f"{page}: no heading"
        assert state["text"] > 200, f"{page}: almost no text rendered"
        assert not state["errors"], f"{page}: error output {state['errors']}"
        broken = [i["src"] for i in state["images"] if not (i["natural"] > 0 and i["shown"] > 0)]
        assert not broken, f"{page}: figures that did not load or show: {broken}"
        # The ablations chapter draws its figures only when the `full` book runs the studies.
        if page.startswith("notebooks/") and "06_ablations" not in page:
            assert len(state["images"]) >= 1, f"{page}: a chapter without figures"


def test_chapter_pages_carry_their_titles(site, browser):
    for path in COMMITTED:
        browser.goto((site / "notebooks" / f"{path.stem}.html").as_uri())
        import nbformat

        title = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
        state = browser.js(PAGE_STATE)
        assert title in state["h1"], (path.stem, state["h1"])
        assert title in state["title"]


def test_next_links_walk_through_the_chapters_in_order(site, browser):
    browser.goto((site / "intro.html").as_uri())
    visited = []
    for _ in range(len(NOTEBOOKS) + 3):
        state = browser.js(PAGE_STATE)
        if not state["next"]:
            break
        browser.js("document.querySelector('a.right-next').click()")
        browser.wait_for(f"location.href === {json.dumps(state['next'])} "
                         "&& document.readyState === 'complete'")
        visited.append(browser.js("location.pathname").rsplit("/", 2)[-2:])
    chapters = [name.removesuffix(".html") for folder, name in visited if folder == "notebooks"]
    assert chapters == [p.stem for p in COMMITTED]
    assert visited[-1][-1] == "references.html"
