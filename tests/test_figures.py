"""Numbered figures, caption cards and the nearest-neighbour check of chapter 5; and that every
chapter shows its figures numbered, in order, with a caption and an alt text."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adl.analysis import neighbour_agreement  # noqa: E402
from adl.plots import JPEG_ABOVE, caption_card, figure_html  # noqa: E402

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_figure_html_numbers_captions_and_closes_the_figure():
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot([0, 1], [0, 1])
    out = figure_html(fig, "3.2", "Loss <falls> in `adl.train`", alt='a "line" rising')
    assert not plt.fignum_exists(fig.number)  # closed: the notebook shows the HTML only
    assert "<strong>Figure 3.2.</strong> Loss &lt;falls&gt; in <code>adl.train</code>" in out
    assert 'alt="a &quot;line&quot; rising"' in out
    png = base64.b64decode(re.search(r"base64,([^\"]+)\"", out).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = struct.unpack(">I", png[16:20])[0]
    assert 350 < width < 450  # 4 inches at 100 dpi, trimmed
    # never narrower than 60 % of its drawn size: a phone scrolls it inside its own box
    assert f"max-width:{width}px;min-width:{int(width * 0.6)}px" in out
    assert 'style="overflow-x:auto"' in out


def test_figure_html_embeds_an_image_like_figure_as_jpeg_when_smaller():
    fig, ax = plt.subplots(figsize=(12, 6))
    ax.imshow(np.random.default_rng(0).standard_normal((128, 600)), aspect="auto", cmap="magma")
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100, bbox_inches="tight")
    assert len(png.getvalue()) > JPEG_ABOVE  # noise: a PNG cannot compress it
    out = figure_html(fig, "1.5", "noise", alt="noise as an image")
    data = base64.b64decode(re.search(r"data:image/jpeg;base64,([^\"]+)\"", out).group(1))
    assert data[:2] == b"\xff\xd8" and len(data) < len(png.getvalue()) / 2


@pytest.mark.parametrize("number,caption,alt", [("3", "c", "a"), ("3.1a", "c", "a"),
                                                ("3.1", "", "a"), ("3.1", "c", " ")])
def test_figure_html_refuses_a_bad_number_or_a_missing_text(number, caption, alt):
    fig, _ = plt.subplots()
    with pytest.raises(ValueError):
        figure_html(fig, number, caption, alt=alt)
    plt.close(fig)


def test_caption_card_plays_the_clip_above_who_said_what():
    wave = 0.1 * np.sin(np.linspace(0, 2000, 16000)).astype(np.float32)
    out = caption_card(wave, 16000, title="clip<1>.wav",
                       captions={"human 1": "a dog & a cat", "ADL": "a dog barks"})
    assert "<b>clip&lt;1&gt;.wav</b>" in out and "data:audio/mpeg;base64," in out
    assert out.index("<audio") < out.index("human 1") < out.index("ADL")
    assert "a dog &amp; a cat" in out


def test_neighbour_agreement_against_chance():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 16)) * 10
    labels = [c for c in "abc" for _ in range(10)]
    tight = np.stack([centres["abc".index(c)] + rng.standard_normal(16) * 0.1 for c in labels])
    agreement, chance = neighbour_agreement(tight, labels)
    assert agreement == 1.0
    assert chance == pytest.approx(3 * 10 * 9 / (30 * 29))
    # the same points with shuffled labels: near chance, far below 1
    shuffled = list(rng.permutation(labels))
    assert neighbour_agreement(tight, shuffled)[0] < 0.6
    with pytest.raises(ValueError):
        neighbour_agreement(tight[:1], labels[:1])


def _code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_is_numbered_in_order_with_caption_and_alt(path):
    code = _code(path)
    chapter = int(path.stem[:2])
    # matplotlib's own output would be an image without a number, caption or alt text
    assert "plt.show()" not in code, f"{path.name}: show figures with adl.plots.figure_html"
    numbers = re.findall(r'figure_html\(\s*fig,\s*f?"(\d+)\.(\d+|\{[^}]*\})"', code)
    calls = code.count("figure_html(")
    assert len(numbers) == calls, f"{path.name}: a figure_html call without a literal number"
    assert all(int(c) == chapter for c, _ in numbers), f"{path.name}: {numbers}"
    fixed = [int(k) for _, k in numbers if k.isdigit()]
    assert fixed == list(range(1, len(fixed) + 1)), f"{path.name}: figures numbered {fixed}"
    assert code.count("alt=") >= calls


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_cell_keeps_an_alt_text_for_an_image_it_no_longer_draws(path):
    # figure_html carries each figure's alt text; metadata alt texts would describe nothing
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    stale = [c["id"] for c in cells if "image" in c.get("metadata", {}).get("mystnb", {})]
    assert not stale, f"{path.name}: cells {stale} carry a mystnb image alt text"
