"""Caption metrics, computed exactly as the coco-caption toolkit (pycocoevalcap 1.2) computes them.

``evaluate(candidates, mult_references)`` returns ``(corpus_scores, sents_scores)`` for

- ``bleu_1`` .. ``bleu_4``: BLEU, Papineni et al. 2002, https://aclanthology.org/P02-1040/
- ``meteor``: METEOR 1.5, Banerjee & Lavie 2005 (https://aclanthology.org/W05-0909/) and
  Denkowski & Lavie 2014 (https://aclanthology.org/W14-3348/)
- ``rouge_l``: ROUGE-L, Lin 2004, https://aclanthology.org/W04-1013/
- ``cider_d``: CIDEr-D, Vedantam et al. 2015, https://arxiv.org/abs/1411.5726
- ``spice``: SPICE, Anderson et al. 2016, https://arxiv.org/abs/1607.08822
- ``spider``: SPIDEr = (CIDEr-D + SPICE) / 2, Liu et al. 2017, https://arxiv.org/abs/1612.00370
- ``spider_fl``: SPIDEr-FL, the DCASE2023 task 6a metric: SPIDEr times 0.1 for each candidate
  that the FENSE fluency-error detector (Zhou et al. 2022, https://arxiv.org/abs/2110.04684)
  flags with probability > 0.9.

Modules: ``scoring`` (:func:`evaluate`, :data:`METRICS`, :func:`check_metrics`, and how the
results match pycocoevalcap), ``ptb`` (Java and the PTB tokenizer), ``meteor``, ``spice``,
``fluency`` (SPIDEr-FL's fluency-error detector) and ``errors``.

Notebook: 04_evaluation
"""

from adl.metrics.errors import (
    JavaNotFoundError,
    MetricError,
    MetricUnavailableWarning,
    UnknownMetricError,
)
from adl.metrics.fluency import (
    FluencyDetector,
    default_echecker_path,
    load_echecker,
    spider_fl_from_scores,
)
from adl.metrics.ptb import ptb_tokenize, sanitize_caption
from adl.metrics.scoring import METRICS, CorpusScores, check_metrics, evaluate
from adl.metrics.spice import download_spice_models, spice_missing_reason

__all__ = [
    "METRICS",
    "CorpusScores",
    "FluencyDetector",
    "JavaNotFoundError",
    "MetricError",
    "MetricUnavailableWarning",
    "UnknownMetricError",
    "check_metrics",
    "default_echecker_path",
    "download_spice_models",
    "evaluate",
    "load_echecker",
    "ptb_tokenize",
    "sanitize_caption",
    "spice_missing_reason",
    "spider_fl_from_scores",
]
