"""Figures and audio players for the book's chapters. Each figure function returns a matplotlib
``Figure``; :func:`figure_html` turns one into a numbered figure with its caption and alt text;
:func:`audio_player` and :func:`caption_card` return HTML with the clip embedded.

Nothing here changes matplotlib's or seaborn's global settings: a notebook chooses its theme.

Notebook: 03_adl_training
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import soundfile as sf
import torch
from matplotlib.figure import Figure

from adl.analysis import smooth
from adl.table1 import METHOD_NAMES

__all__ = ["audio_player", "caption_card", "class_panels", "condition_bars", "fidelity_plot",
           "figure_html", "loss_curves", "metric_bars"]

#: Bytes of PNG above which :func:`figure_html` tries JPEG (image-like figures: spectrograms).
JPEG_ABOVE = 150_000
#: One colour per training method, the same in every chapter.
METHOD_COLORS: dict[str, str] = {"baseline": "C0", "mixgen": "C1", "adl": "C2"}


def _figure(*args, **kwargs) -> tuple[Figure, object]:
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def loss_curves(steps: pd.DataFrame, epochs: pd.DataFrame, *, window: int | None = None,
                ) -> Figure:
    """Training loss per step (smoothed) and validation loss per epoch, one colour per method.

    Args:
        steps, epochs: the frames of :func:`adl.runs.training_logs`.
        window: moving-average width in steps; None: a twentieth of the longest run (>= 1).

    Notebook: 03_adl_training
    """
    fig, (ax_train, ax_val) = _figure(1, 2, figsize=(12, 3.8))
    longest = int(steps.groupby("run").size().max()) if len(steps) else 1
    w = window or max(1, longest // 20)
    for run, frame in steps.groupby("run", sort=False):
        method = str(frame["method"].iloc[0])
        color = METHOD_COLORS.get(method, None)
        ax_train.plot(frame["global_step"], frame["loss"], color=color, alpha=0.2, lw=0.8)
        label = f"{METHOD_NAMES.get(method, method)} (seed {frame['seed'].iloc[0]})"
        ax_train.plot(frame["global_step"], smooth(frame["loss"].to_numpy(), w), color=color,
                      lw=1.8, label=label)
    for run, frame in epochs.groupby("run", sort=False):
        method = str(frame["method"].iloc[0])
        ax_val.plot(frame["global_step"], frame["val_loss"], marker="o",
                    color=METHOD_COLORS.get(method, None),
                    label=f"{METHOD_NAMES.get(method, method)} (seed {frame['seed'].iloc[0]})")
    ax_train.set(xlabel="optimizer step", ylabel="cross-entropy (per token)",
                 title="Training loss" + (f" (faint: per step; bold: mean of {w} steps)"
                                          if w > 1 else " (per step)"))
    ax_val.set(xlabel="optimizer step", ylabel="cross-entropy (per token)",
               title="Validation loss (end of each epoch, no reference)")
    for ax in (ax_train, ax_val):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def metric_bars(numbers: pd.DataFrame, metrics: Sequence[str], *,
                paper: dict[str, dict[str, float]] | None = None) -> Figure:
    """Mean ± std over seeds per method and metric (the second frame of
    :func:`adl.table1.table1`), with the paper's values as hollow markers when given.

    Args:
        numbers: rows are methods as shown (``Baseline``...), columns ``(metric, "mean"|"std")``.
        metrics: the metrics to draw (unavailable ones, NaN, are left out).
        paper: ``{method shown: {metric: value}}``, drawn as black diamonds.

    Notebook: 04_evaluation
    """
    shown = [m for m in metrics if (m, "mean") in numbers.columns
             and not numbers[(m, "mean")].isna().all()]
    fig, axes = _figure(1, max(1, len(shown)), figsize=(4 * max(1, len(shown)), 3.4),
                        squeeze=False)
    for ax, metric in zip(axes[0], shown):
        means = numbers[(metric, "mean")]
        stds = numbers[(metric, "std")].fillna(0.0)
        x = np.arange(len(means))
        colors = [METHOD_COLORS.get(k, "C7") for k in
                  [{v: k for k, v in METHOD_NAMES.items()}.get(n, n) for n in means.index]]
        ax.bar(x, means.to_numpy(), yerr=stds.to_numpy(), color=colors, capsize=4,
               label="this book")
        if paper:
            px = [i for i, n in enumerate(means.index) if metric in paper.get(n, {})]
            ax.scatter(px, [paper[means.index[i]][metric] for i in px], marker="D",
                       facecolors="none", edgecolors="black", zorder=3, label="paper (Clotho)")
            ax.legend(fontsize=8)
        ax.set_xticks(x, list(means.index))
        ax.set(title=metric, ylim=(0, None))
    if not shown:
        axes[0, 0].text(0.5, 0.5, "no metric available", ha="center", va="center")
        axes[0, 0].set_axis_off()
    fig.tight_layout()
    return fig


def condition_bars(summaries: dict[str, pd.DataFrame], columns: Sequence[str]) -> Figure:
    """The four Table 2 conditions, one panel per score, one bar per method.

    Args:
        summaries: ``{method: summary frame}`` from :func:`adl.table2.difference_conditions`
            (conditions as rows).
        columns: the scores to draw (e.g. ``cider_d``, ``event_recall``); NaN bars are empty.

    Notebook: 05_latent_space_analysis
    """
    fig, axes = _figure(1, len(columns), figsize=(4.6 * len(columns), 3.8), squeeze=False)
    methods = list(summaries)
    width = 0.8 / max(1, len(methods))
    for ax, col in zip(axes[0], columns):
        for k, method in enumerate(methods):
            frame = summaries[method]
            values = frame[col] if col in frame.columns else pd.Series(np.nan, index=frame.index)
            x = np.arange(len(frame.index)) + (k - (len(methods) - 1) / 2) * width
            ax.bar(x, values.to_numpy(dtype=float), width=width,
                   color=METHOD_COLORS.get(method, f"C{k}"),
                   label=METHOD_NAMES.get(method, method))
        ax.set_xticks(np.arange(len(frame.index)), list(frame.index), rotation=20)
        ax.set(title=col, ylim=(0, None))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def fidelity_plot(frame: pd.DataFrame) -> Figure:
    """Cosine similarity and relative error to ``Z(input)`` per representation and model.

    Args:
        frame: rows of :func:`adl.analysis.difference_fidelity` with a ``model`` column added
            (e.g. ``Baseline``, ``ADL``).

    Notebook: 05_latent_space_analysis
    """
    import seaborn as sns

    fig, axes = _figure(1, 2, figsize=(12, 3.8))
    hue = "model" if "model" in frame.columns else None
    panels = ((axes[0], "cosine", "cosine similarity to Z(input) (1 is best)"),
              (axes[1], "relative_error", "relative L2 error to Z(input) (0 is best)"))
    for ax, col, title in panels:
        sns.stripplot(data=frame, x="representation", y=col, hue=hue, dodge=hue is not None,
                      ax=ax, size=4, alpha=0.6, legend=ax is axes[0])
        ax.set(title=title, xlabel="", ylabel=col.replace("_", " "))
    fig.tight_layout()
    return fig


def audio_player(wave: np.ndarray | torch.Tensor, sr: int, *, fmt: str = "mp3",
                 label: str = "") -> str:
    """An HTML ``<audio>`` player with the clip embedded as a data URI.

    The samples are written as they are (no normalisation: a caller that wants several players
    to keep their relative levels scales them together, as :func:`adl.table2.example_audio`
    does), clipped to [-1, 1]. MP3 (about 4 kB per second at 16 kHz mono) keeps a page with a
    few players light; ``fmt="wav"`` gives 16-bit PCM (32 kB per second at 16 kHz).

    Args:
        wave: (samples,) mono signal in [-1, 1]. sr: its sample rate (MP3: 8 to 48 kHz).
        fmt: ``mp3`` or ``wav``. label: a caption shown above the player (HTML-escaped).

    Notebook: 01_data_mixing
    Notebook: 05_latent_space_analysis
    """
    if isinstance(wave, torch.Tensor):
        wave = wave.detach().cpu().numpy()
    wave = np.clip(np.asarray(wave, dtype=np.float32), -1.0, 1.0)
    if wave.ndim != 1:
        raise ValueError(f"audio_player expects a mono (samples,) signal, got {wave.shape}")
    formats = {"mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg"),
               "wav": ("WAV", "PCM_16", "audio/wav")}
    if fmt not in formats:
        raise ValueError(f"fmt must be one of {', '.join(formats)}, got {fmt!r}")
    container, subtype, mime = formats[fmt]
    buffer = io.BytesIO()
    sf.write(buffer, wave, sr, format=container, subtype=subtype)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    title = f"<div>{html.escape(label)}</div>" if label else ""
    return (f'<div style="display:inline-block;margin:0 1em 0.5em 0;max-width:100%">{title}'
            f'<audio controls preload="metadata" style="max-width:100%" '
            f'aria-label="{html.escape(label or "audio clip", quote=True)}">'
            f'<source src="data:{mime};base64,{data}" type="{mime}"></audio></div>')


def class_panels(rows: Sequence[tuple[str, np.ndarray, Sequence[str]]], classes: Sequence[str],
                 *, panel: float = 2.3) -> Figure:
    """Small multiples of 2-D points: one column per class, one row per point set.

    Every panel shows all points of its row in grey and the points of its column's class in
    colour, so a class that clusters is a tight patch against the grey cloud. With many classes
    this reads where one scatter plot with a colour per class cannot (colours repeat).

    Args:
        rows: ``(row title, points (N, 2), N class labels)`` per row.
        classes: the classes to show, one column each, in order.
        panel: the side of one panel, in inches.

    Notebook: 05_latent_space_analysis
    """
    if not rows or not classes:
        raise ValueError("class_panels needs at least one row and one class")
    fig, axes = _figure(len(rows), len(classes), figsize=(panel * len(classes), panel * len(rows)),
                        squeeze=False)
    for r, (title, points, labels) in enumerate(rows):
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != 2 or len(labels) != len(points):
            raise ValueError(f"row {title!r}: expected (N, 2) points and N labels, got "
                             f"{points.shape} and {len(labels)}")
        picked = np.asarray(labels, dtype=object)
        for c, cls in enumerate(classes):
            ax = axes[r, c]
            sel = picked == cls
            ax.scatter(points[:, 0], points[:, 1], s=6, color="0.82", edgecolors="none")
            ax.scatter(points[sel, 0], points[sel, 1], s=18, color=f"C{c % 10}",
                       edgecolors="none")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"{str(cls).replace('_', ' ')}", fontsize=10)
            if c == 0:
                ax.set_ylabel(title, fontsize=10)
    fig.tight_layout()
    return fig


def figure_html(fig: Figure, number: str, caption: str, *, alt: str, dpi: int = 100,
                min_scale: float = 0.6) -> str:
    """A numbered figure as HTML: the image (embedded), then ``Figure <number>.`` and its caption.

    The figure is closed (the notebook shows this HTML, not matplotlib's own output). It is
    embedded as PNG, or as JPEG when that is smaller for a PNG over :data:`JPEG_ABOVE` bytes
    (spectrograms compress several times better so, and keep the page light). It scales down
    with the page, but never below ``min_scale`` of its drawn size, so that its labels stay
    legible on a phone: a narrow screen scrolls the figure sideways inside its own box.

    Args:
        fig: the figure. number: its number, ``"<chapter>.<k>"``. caption: what it shows and
            what to take from it (plain text; `backticks` become code). alt: a description of
            the image for those who cannot see it.
        dpi: the resolution of the image. min_scale: the smallest scale of the drawn size.

    Notebook: 01_data_mixing
    """
    import matplotlib.pyplot as plt
    from PIL import Image

    if not re.fullmatch(r"\d+\.\d+", number):
        raise ValueError(f"figure number must read <chapter>.<k>, got {number!r}")
    if not alt.strip() or not caption.strip():
        raise ValueError(f"figure {number}: a caption and an alt text are required")

    def save(fmt: str, **options) -> bytes:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", **options)
        return buffer.getvalue()

    image, mime = save("png"), "image/png"
    if len(image) > JPEG_ABOVE:
        jpeg = save("jpeg", pil_kwargs={"quality": 85})
        if len(jpeg) < len(image):
            image, mime = jpeg, "image/jpeg"
    plt.close(fig)
    width = Image.open(io.BytesIO(image)).size[0]
    data = base64.b64encode(image).decode("ascii")
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(caption))
    return (f'<figure class="adl-figure" style="margin:1em 0">'
            f'<div style="overflow-x:auto">'
            f'<img src="data:{mime};base64,{data}" alt="{html.escape(alt, quote=True)}" '
            f'style="width:100%;max-width:{width}px;min-width:{int(width * min_scale)}px;'
            f'height:auto"></div>'
            f'<figcaption><strong>Figure {number}.</strong> {text}</figcaption></figure>')


def caption_card(wave: np.ndarray | torch.Tensor, sr: int, *, title: str,
                 captions: Mapping[str, str]) -> str:
    """One clip as HTML: its title and player above a two-column table of who wrote which
    caption (the human references, then each model), narrow enough for a phone.

    Args:
        wave: (samples,) the clip, already scaled (see :func:`audio_player`). sr: its rate.
        title: the clip's name. captions: ``{who: caption}``, in the order to show them.

    Notebook: 04_evaluation
    """
    rows = "".join(f"<tr><th style='text-align:left;vertical-align:top;padding-right:1em'>"
                   f"{html.escape(who)}</th><td>{html.escape(text)}</td></tr>"
                   for who, text in captions.items())
    return (f'<div class="adl-caption-card" style="margin-bottom:1.5em">'
            f"<p><b>{html.escape(title)}</b></p>{audio_player(wave, sr, label='')}"
            f'<table class="dataframe" style="width:100%">{rows}</table></div>')
