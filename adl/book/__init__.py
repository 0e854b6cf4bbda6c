"""The book's machinery: a layer beside the paper's code, which never imports it.

* :mod:`adl.book.runner`: the chapters in order, the checks on them, and ``adl book``, which runs
  each one with papermill and builds the site with Jupyter Book;
* :mod:`adl.book.paths`: the book's folders and the parameters every chapter receives, so that a
  notebook opened by hand finds what the last build wrote;
* :mod:`adl.book.status`: the execution-statistics page the runner writes into each build;
* :mod:`adl.book.site`: headless Chromium on the built site (screenshots, the site test).

Nothing is imported here: ``from adl.book.paths import book_parameters`` in a chapter does not
load the runner.
"""
