"""Data sets: Clotho v2.1 (inputs), ESC-50 (references), their downloads, the files of the
embedded corpus that is written in their layouts (the corpus itself is made by
:mod:`adl.corpus`), and the training batches.

Notebook: 01_data_mixing
"""

from adl.data.check import (OverlapReport, RecordingSplits, SharedRecording, SharedSound,
                            SplitOverlap, check_overlap, recording_splits, shared_recordings)
from adl.data.clotho import CLOTHO_SUBSETS, ClothoItem, load_clotho
from adl.data.corpus_files import SceneMeta, load_scene_events
from adl.data.download import download_clotho, download_esc50
from adl.data.esc50 import ESC50Item, load_esc50

__all__ = [
    "CLOTHO_SUBSETS",
    "ClothoItem",
    "ESC50Item",
    "OverlapReport",
    "RecordingSplits",
    "SceneMeta",
    "SharedRecording",
    "SharedSound",
    "SplitOverlap",
    "check_overlap",
    "download_clotho",
    "download_esc50",
    "load_clotho",
    "load_esc50",
    "load_scene_events",
    "recording_splits",
    "shared_recordings",
]
