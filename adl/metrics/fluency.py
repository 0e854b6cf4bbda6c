"""SPIDEr-FL's fluency-error detector (pluggable) and its penalty.

SPIDEr-FL is the DCASE2023 task 6a metric: SPIDEr times 0.1 for each candidate that the FENSE
fluency-error detector (Zhou et al. 2022, https://arxiv.org/abs/2110.04684) flags with
probability > 0.9.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from adl.errors import ADLError

ECHECKER_URL = (
    "https://github.com/blmoistawinde/fense/releases/download/V0.1/"
    "echecker_clotho_audiocaps_base.ckpt"
)
ECHECKER_FNAME = "echecker_clotho_audiocaps_base.ckpt"

# The fluency-error detector's decision rule and SPIDEr-FL's penalty (DCASE2023 task 6a,
# as in aac-metrics' spider_fl: spider * (1 - 0.9 * error)).
FLUENCY_ERROR_THRESHOLD = 0.9
FLUENCY_PENALTY = 0.9

FluencyDetector = Callable[[list[str]], Sequence[float]]
"""Maps candidates to their probability of holding a fluency error, one float per candidate."""


def default_echecker_path() -> Path:
    """Where FENSE and aac-metrics keep the echecker checkpoint.

    ``$FENSE_DATA/echecker_clotho_audiocaps_base.ckpt``, else ``<torch hub dir>/fense_data/...``
    (torch's hub dir: ``$TORCH_HOME/hub``, else ``$XDG_CACHE_HOME/torch/hub``, else
    ``~/.cache/torch/hub``), computed without importing torch.
    """
    if "FENSE_DATA" in os.environ:
        return Path(os.environ["FENSE_DATA"]).expanduser() / ECHECKER_FNAME
    torch_home = os.environ.get(
        "TORCH_HOME", os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
    )
    return Path(torch_home).expanduser() / "hub" / "fense_data" / ECHECKER_FNAME


def load_echecker(
    path: str | os.PathLike, *, device: str = "cpu", batch_size: int = 32
) -> FluencyDetector:
    """Loads the FENSE ``echecker`` checkpoint as a :data:`FluencyDetector`.

    The checkpoint holds ``model_type`` (a Hugging Face encoder name), ``num_classes`` and a
    ``state_dict`` for a BERT encoder plus a linear head on the first token; the last of its six
    sigmoid outputs is the probability of any fluency error. The encoder's config and tokenizer
    come from the Hugging Face cache (``model_type``); the weights from the checkpoint.

    Args:
        path: the ``.ckpt`` file.
        device: torch device.
        batch_size: candidates per forward pass.

    Returns:
        A function mapping candidates to their error probabilities.

    Raises:
        ADLError: the checkpoint or the encoder's config/tokenizer cannot be loaded.
    """
    import torch
    from torch import nn
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    try:
        states = torch.load(Path(path), map_location="cpu", weights_only=True)
        model_type, num_classes = str(states["model_type"]), int(states["num_classes"])
        config = AutoConfig.from_pretrained(model_type)
        tokenizer = AutoTokenizer.from_pretrained(model_type)
    except Exception as exc:  # noqa: BLE001 - any failure means "unavailable", with its reason
        raise ADLError(f"cannot load echecker {str(path)!r}: {exc!r}".splitlines()[0]) from exc

    class _EChecker(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_config(config)
            self.dropout = nn.Dropout(config.hidden_dropout_prob)
            self.clf = nn.Linear(config.hidden_size, num_classes)

        def forward(self, **batch: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(**batch).last_hidden_state[:, 0, :]
            return self.clf(self.dropout(hidden))

    model = _EChecker()
    # Unexpected keys are tolerated (older checkpoints hold buffers such as position_ids that
    # newer transformers versions no longer register); a missing weight is an error.
    loaded = model.load_state_dict(states["state_dict"], strict=False)
    if loaded.missing_keys:
        raise ADLError(f"echecker {str(path)!r} lacks weights: {', '.join(loaded.missing_keys[:5])}")
    model.eval().to(device)

    def detect(candidates: list[str]) -> list[float]:
        texts = [re.sub(r"[^\w\s]", "", c).lower() for c in candidates]
        probs: list[float] = []
        with torch.no_grad():
            for start in range(0, len(texts), batch_size):
                batch = tokenizer(texts[start : start + batch_size], truncation=True,
                                  padding="max_length", max_length=64, return_tensors="pt")  # fmt: skip
                logits = model(**{k: v.to(device) for k, v in batch.items()})
                probs.extend(logits.sigmoid()[:, -1].cpu().tolist())
        return probs

    return detect


def spider_fl_from_scores(
    spider_sents: Sequence[float],
    error_probs: Sequence[float],
    *,
    threshold: float = FLUENCY_ERROR_THRESHOLD,
    penalty: float = FLUENCY_PENALTY,
) -> tuple[float, list[float]]:
    """SPIDEr-FL (DCASE2023 task 6a) from per-candidate SPIDEr and fluency-error probabilities.

    ``spider_fl_i = spider_i * (1 - penalty * [p_i > threshold])``: a candidate whose error
    probability exceeds 0.9 keeps 10% of its SPIDEr. The corpus score is the mean.

    Args:
        spider_sents: N SPIDEr scores.
        error_probs: N probabilities of a fluency error.
        threshold: probability above which a candidate counts as disfluent.
        penalty: fraction of SPIDEr removed from a disfluent candidate.

    Returns:
        ``(corpus_score, sents_scores)``.
    """
    spider = np.asarray(spider_sents, dtype=float)
    probs = np.asarray(error_probs, dtype=float)
    if spider.shape != probs.shape:
        raise ADLError(f"{len(probs)} fluency probabilities for {len(spider)} candidates")
    sents = spider * (1.0 - penalty * (probs > threshold).astype(float))
    return float(sents.mean()), sents.tolist()
