"""The embedded-corpus factory: the corpus of real recordings from pinned Debian packages
(:mod:`adl.corpus.sources`, :mod:`adl.corpus.debian`, :mod:`adl.corpus.recordings`), the
synthesised ``smoke`` corpus (:mod:`adl.corpus.synth`), and
:func:`~adl.corpus.prepare.prepare_corpus`, which writes either in the layouts of Clotho and
ESC-50 (:mod:`adl.corpus.files`).

The paper's modules never import this package: they read what it wrote through
:mod:`adl.data` (the loaders and :mod:`adl.data.corpus_files`) and caption it with
:mod:`adl.captions`. The command line (``adl data prepare``) and the book call it.

Notebook: 01_data_mixing
"""

from adl.corpus.prepare import CorpusSummary, prepare_corpus

__all__ = ["CorpusSummary", "prepare_corpus"]
