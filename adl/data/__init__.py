"""Data sets: Clotho v2.1 (inputs), ESC-50 (references), their downloads, and the embedded corpus
that is written in their layouts.

Notebook: 01_data_mixing
"""

from adl.data.captions import EventMention, events_in_caption, write_captions
from adl.data.check import (OverlapReport, RecordingSplits, SharedRecording, SharedSound,
                            SplitOverlap, check_overlap, recording_splits, shared_recordings)
from adl.data.clotho import CLOTHO_SUBSETS, ClothoItem, load_clotho
from adl.data.corpus import CorpusSummary, prepare_corpus
from adl.data.corpus_files import SceneMeta, load_scene_events
from adl.data.download import download_clotho, download_esc50
from adl.data.esc50 import ESC50Item, load_esc50
from adl.data.synth import CLASSES, synthesize

__all__ = [
    "CLASSES",
    "CLOTHO_SUBSETS",
    "ClothoItem",
    "CorpusSummary",
    "ESC50Item",
    "EventMention",
    "OverlapReport",
    "RecordingSplits",
    "SceneMeta",
    "SharedRecording",
    "SharedSound",
    "SplitOverlap",
    "check_overlap",
    "download_clotho",
    "download_esc50",
    "events_in_caption",
    "load_clotho",
    "load_esc50",
    "load_scene_events",
    "prepare_corpus",
    "recording_splits",
    "shared_recordings",
    "synthesize",
    "write_captions",
]
