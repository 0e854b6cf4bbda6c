"""Data sets: Clotho v2.1 (inputs), ESC-50 (references), and their downloads.

Notebook: 01_data_mixing
"""

from adl.data.clotho import CLOTHO_SUBSETS, ClothoItem, load_clotho
from adl.data.download import download_clotho, download_esc50
from adl.data.esc50 import ESC50Item, load_esc50

__all__ = [
    "CLOTHO_SUBSETS",
    "ClothoItem",
    "ESC50Item",
    "download_clotho",
    "download_esc50",
    "load_clotho",
    "load_esc50",
]
