"""The caption languages of the embedded corpus: how its captions are written, and how the
sound classes a caption names are read back.

Two languages, one per kind of corpus: :mod:`adl.captions.grammar` (the synthesised ``smoke``
corpus and real data) and :mod:`adl.captions.annotators` (the corpus of real recordings: five
writers, each with their own habits). Both give ``write_captions``, ``events_in_caption``,
``LEXICON`` and ``class_phrases``; :func:`adl.events.caption_language` picks one for a corpus.
Training (event clips), Table 2 (the references of a mixture) and the event scores use them at
run time, so they belong to the paper's layer, not to the corpus factory.
"""
