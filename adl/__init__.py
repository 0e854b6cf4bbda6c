"""Audio Difference Learning (ADL) for audio captioning: the library behind the book.

Importing ``adl`` has no side effects: no seeding, no global settings, no downloads.
"""

__version__ = "0.1.0"
