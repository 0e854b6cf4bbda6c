"""The built smoke site, checked in a real headless browser (Debian's ``chromium``).

Every page of the table of contents is visited, at desktop (1280 px) and phone (390 px) widths:
it must render its title and heading, load its figures (images with a non-zero size and real alt
text), play its audio (every ``<audio>`` loads its source), fit the viewport (no page-wide
horizontal scroll; tables, figures and players inside the article either fit it or scroll inside
their own container), show no raw TeX delimiters (``\\(``, ``\\[``, ``$$``: the math must be
typeset, offline), show no error or traceback in a cell output, and stay light; the sidebar
reaches every chapter, and the "next" links walk through them in order. The browser is
``adl.book.site.Browser``, the one ``adl book`` uses to keep a full-page screenshot of each
chapter in ``<build_dir>/screenshots/<preset>/`` (test_book.py checks those). The site is the
one test_book.py builds (one build per session).
"""

from __future__ import annotations

import json
import os
import re
import struct
import time
from pathlib import Path

import pytest
import yaml

from adl.book.runner import NOTEBOOKS
from adl.book.site import Browser, find_chromium, screenshot_pages

from test_book import COMMITTED, smoke_book

CHROMIUM = find_chromium()
TITLE = "Audio Difference Learning for Audio Captioning"
#: (name, CSS px width, height, mobile) of the viewports every page is checked at.
VIEWPORTS = (("desktop", 1280, 1600, False), ("phone", 390, 844, True))
#: The most a page may weigh: its HTML (audio players embed their clips in it) plus its images.
MAX_PAGE_BYTES = 3_000_000
#: The most an audio player may cost per second of sound: the book's players hold 16 kHz mono
#: MP3 (``adl.plots.audio_player``, about 4 kB/s); 16-bit PCM would be 32 kB/s at 16 kHz.
MAX_AUDIO_BYTES_PER_S = 16_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None,
                       reason="chromium is not installed (CI installs Debian's chromium package)"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The smoke site test_book.py builds; or, with ``ADL_SITE`` set, a site already built (say
    ``ADL_SITE=build/site/default pytest tests/test_site.py`` after ``make book``)."""
    if os.environ.get("ADL_SITE"):
        return Path(os.environ["ADL_SITE"]).resolve()
    return Path(smoke_book(tmp_path_factory)["index"]).parent


def toc_pages(site: Path) -> list[str]:
    """Every page of the built site's table of contents, as paths relative to the HTML root."""
    # the site's sources sit in <build>/site-src/<preset>/, the site in <build>/site/<preset>/
    toc_file = site.parents[1] / "site-src" / site.name / "_toc.yml"
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    files = [toc["root"]] + re.findall(r"^\s*- file: (\S+)$", yaml.safe_dump(toc), re.M)
    return [f"{f}.html" for f in files]


@pytest.fixture(scope="module")
def pages(site) -> list[str]:
    found = toc_pages(site)
    assert [p for p in found if p.startswith("notebooks/")] == \
        [f"notebooks/{p.stem}.html" for p in COMMITTED]
    return found


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
    browser.viewport(1280, 1600)
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
    # adl book's screenshots, taken here with the test's browser: a PNG of the whole page, and
    # no screenshot of a page that is no longer built
    (tmp_path / "gone.png").write_bytes(b"stale")
    shots = screenshot_pages(site, ["intro.html"], tmp_path, browser=browser)
    assert shots == [tmp_path / "intro.png"] and list(tmp_path.iterdir()) == shots
    png = shots[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 1280 and height >= 800, (width, height)
    assert len(png) > 20_000, "the screenshot is nearly blank"


def test_every_page_renders_its_figures_without_errors(site, browser, pages):
    browser.viewport(1280, 1600)
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
    browser.viewport(1280, 1600)
    for path in COMMITTED:
        browser.goto((site / "notebooks" / f"{path.stem}.html").as_uri())
        import nbformat

        title = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
        state = browser.js(PAGE_STATE)
        assert title in state["h1"], (path.stem, state["h1"])
        assert title in state["title"]


def test_next_links_walk_through_the_chapters_in_order(site, browser):
    browser.viewport(1280, 1600)
    browser.goto((site / "intro.html").as_uri())
    visited = []
    for _ in range(len(NOTEBOOKS) + 10):  # the chapters, then the pages of the last part
        state = browser.js(PAGE_STATE)
        if not state["next"]:
            break
        browser.js("document.querySelector('a.right-next').click()")
        browser.wait_for(f"location.href === {json.dumps(state['next'])} "
                         "&& document.readyState === 'complete'")
        visited.append(browser.js("location.pathname").rsplit("/", 2)[-2:])
    chapters = [name.removesuffix(".html") for folder, name in visited if folder == "notebooks"]
    assert chapters == [p.stem for p in COMMITTED]
    # the last part ends with this build's page of execution statistics
    assert [name for _, name in visited[-2:]] == ["references.html", "status.html"]


# -- the site as a reader sees it: every page, desktop and phone -------------------------------

# What sticks out: the page scrolls sideways, or an element of the article (a table, a figure, a
# player, a block of output) reaches past the article's edges without a scrolling container of
# its own inside the article.
OVERFLOW = """(() => {
  const article = document.querySelector('.bd-article') || document.querySelector('article');
  const box = article.getBoundingClientRect();
  const scroller = el => {
    for (let a = el.parentElement; a && a !== article.parentElement; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX)) return a;
    }
    return null;
  };
  const fits = r => r.left >= box.left - 1 && r.right <= box.right + 1;
  const bad = [];
  for (const el of article.querySelectorAll(
      'table, img, svg, figure, audio, video, iframe, pre, .cell_output .output, mjx-container')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || fits(r)) continue;
    const s = scroller(el);
    if (s && article.contains(s) && fits(s.getBoundingClientRect())) continue;
    bad.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')}: ` +
             `${Math.round(r.left)}..${Math.round(r.right)} px in ` +
             `${Math.round(box.left)}..${Math.round(box.right)}`);
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth,
          article: Math.round(box.width), bad: bad.slice(0, 5), n_bad: bad.length};
})()"""

# Images without a real alternative text: missing, empty, or a file name (Sphinx's fallback).
ALT_TEXT = """[...document.querySelectorAll('img')]
  .filter(i => { const a = (i.getAttribute('alt') || '').trim();
                 return !a || a === i.getAttribute('src')
                        || /\\.(png|svg|jpe?g|gif|webp)$/i.test(a); })
  .map(i => i.getAttribute('src'))"""

# Every player, once its metadata has loaded (or it failed): its source and what it holds.
AUDIO = """(async () => {
  const players = [...document.querySelectorAll('audio')];
  const ready = a => a.readyState >= 1 || a.error;
  for (const a of players) { if (!ready(a)) a.load(); }
  const deadline = Date.now() + 15000;
  while (players.some(a => !ready(a)) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
  }
  return players.map(a => {
    const source = a.querySelector('source');
    const src = a.currentSrc || a.getAttribute('src') || (source && source.getAttribute('src'))
                || '';
    // the clip's bytes: a data URI holds them in base64 (4 characters per 3 bytes)
    const bytes = src.startsWith('data:') ? (src.length - src.indexOf(',') - 1) * 3 / 4 : 0;
    return {src: src.slice(0, 40), bytes: Math.round(bytes), ready: a.readyState,
            error: a.error ? a.error.code : null, duration: a.duration};
  });
})()"""

# Raw TeX delimiters in the article's text (code and printed output left out): math that no
# typesetter rendered.
NO_RAW_TEX = """(() => {
  const article = (document.querySelector('.bd-article') || document.querySelector('article'))
    .cloneNode(true);
  article.querySelectorAll('pre, code, kbd, script, style, .highlight')
    .forEach(e => e.remove());
  const text = article.textContent;
  return [...text.matchAll(/\\\\\\(|\\\\\\[|\\$\\$/g)]
    .map(m => text.slice(Math.max(0, m.index - 30), m.index + 40).replace(/\\s+/g, ' '));
})()"""

# The sidebar's links to pages of the book (relative paths), and whether they can be seen.
SIDEBAR = """(() => {
  const links = [...document.querySelectorAll('.bd-sidebar-primary a.reference.internal, '
                                            + 'dialog a.reference.internal')];
  return links.map(a => { const r = a.getBoundingClientRect(); const s = getComputedStyle(a);
    return {href: a.href, visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
                                   && r.left >= 0 && r.right <= window.innerWidth + 1}; });
})()"""


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_every_page_fits_the_screen(site, browser, pages, viewport):
    name, width, height, mobile = viewport
    browser.viewport(width, height, mobile)
    problems = []
    for page in pages:
        browser.goto((site / page).as_uri())
        browser.settle()
        state = browser.js(OVERFLOW)
        if state["scrollWidth"] > state["innerWidth"]:
            problems.append(f"{page}: the page scrolls sideways ({state['scrollWidth']} px wide "
                            f"in a {state['innerWidth']} px window)")
        if state["n_bad"]:
            problems.append(f"{page}: {state['n_bad']} element(s) stick out of the "
                            f"{state['article']} px article: {state['bad']}")
    assert not problems, f"{name} ({width} px):\n" + "\n".join(problems)


def test_every_image_has_alt_text(site, browser, pages):
    browser.viewport(1280, 1600)
    missing = {}
    for page in pages:
        browser.goto((site / page).as_uri())
        bad = browser.js(ALT_TEXT)
        if bad:
            missing[page] = bad
    assert not missing, f"images without alt text (a description, not a file name): {missing}"


def test_every_audio_player_loads_its_clip(site, browser, pages):
    browser.viewport(1280, 1600)
    players = {}
    for page in pages:
        browser.goto((site / page).as_uri())
        players[page] = browser.js(AUDIO)
        for i, p in enumerate(players[page]):
            where = f"{page}, player {i}"
            assert p["src"], f"{where}: no source"
            assert p["error"] is None and p["ready"] >= 1, f"{where}: did not load: {p}"
            # some real recordings are short (a strike, a click): sound, however brief
            assert p["duration"] > 0.05, f"{where}: {p['duration']} s of sound"
            if p["duration"] >= 1.0:  # under a second, the container's own bytes dominate
                assert p["bytes"] / p["duration"] <= MAX_AUDIO_BYTES_PER_S, \
                    f"{where}: {p['bytes'] / p['duration'] / 1000:.0f} kB per second of sound"
    # chapter 1 plays its mixture; chapter 5 plays Table 2 (3 per example) and your own sound
    assert len(players["notebooks/01_data_mixing.html"]) >= 3
    table2 = players["notebooks/05_latent_space_analysis.html"]
    assert len(table2) >= 3 + 2, f"chapter 5 has {len(table2)} players"
    assert all(p["src"].startswith("data:audio/mpeg")
               for page in players.values() for p in page)


def test_math_is_typeset(site, browser, pages):
    """No raw ``\\(``, ``\\[`` or ``$$`` in the text a reader sees: MathJax (or whatever renders
    the math) must work offline."""
    browser.viewport(1280, 1600)
    raw = {}
    for page in pages:
        browser.goto((site / page).as_uri())
        browser.settle()
        found = browser.js(NO_RAW_TEX)
        if found:
            raw[page] = found[:3]
    assert not raw, f"raw TeX delimiters on the page (math not typeset): {raw}"


def test_pages_stay_light(site, pages):
    heavy = {}
    for page in pages:
        html_file = site / page
        text = html_file.read_text(encoding="utf-8")
        images = {m for m in re.findall(r'<img[^>]+src="([^"]+)"', text)
                  if not m.startswith(("data:", "http:", "https:"))}
        size = html_file.stat().st_size + sum(
            (html_file.parent / m).stat().st_size for m in images
            if (html_file.parent / m).is_file())
        if size > MAX_PAGE_BYTES:
            heavy[page] = size
    assert not heavy, f"pages heavier than {MAX_PAGE_BYTES / 1e6:.1f} MB: {heavy}"


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_the_sidebar_reaches_every_chapter(site, browser, pages, viewport):
    name, width, height, mobile = viewport
    browser.viewport(width, height, mobile)
    wanted = {(site / p).resolve().as_uri() for p in pages if p != "intro.html"}
    for page in ("intro.html", "notebooks/05_latent_space_analysis.html"):
        browser.goto((site / page).as_uri())
        links = browser.js(SIDEBAR)
        hrefs = {link["href"].split("#")[0] for link in links}
        missing = sorted(wanted - hrefs - {(site / page).resolve().as_uri()})
        assert not missing, f"{name}, {page}: the sidebar does not link {missing}"
        if mobile:  # hidden behind the menu button until it is pressed
            browser.js("document.querySelector('button.primary-toggle').click()")
            time.sleep(0.5)
            links = browser.js(SIDEBAR)
        shown = {link["href"].split("#")[0] for link in links if link["visible"]}
        hidden = sorted(wanted - shown - {(site / page).resolve().as_uri()})
        assert not hidden, f"{name}, {page}: sidebar links a reader cannot see: {hidden}"
