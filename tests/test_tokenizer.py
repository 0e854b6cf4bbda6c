"""Caption normalisation (the DCASE2023 baseline's rule) and the trained byte-level BPE."""

import json
import random
import subprocess
import sys

import pytest
import torch

from adl.errors import ADLError
from adl.tokenizer import (
    TokenizerError,
    decode_captions,
    encode_captions,
    load_tokenizer,
    normalize_caption,
    save_tokenizer,
    train_tokenizer,
)

CAPTIONS = [
    "A dog barks loudly while cars pass by.",
    "Birds are chirping in the trees, and the wind blows.",
    "A man's voice is heard, then a door slams!",
    "Rain falls steadily on a tin roof.",
    "Rain is falling on the roof while thunder rumbles in the distance.",
    "Someone walks on gravel; footsteps crunch.",
    "A car engine starts and idles.",
    "Water flows in a small stream as birds sing.",
    "People are talking in a busy restaurant.",
    "A dog is barking and a man is shouting.",
    "The wind blows hard through the trees.",
    "Footsteps on gravel, then a car door closes.",
]


@pytest.fixture(scope="module")
def tok():
    return train_tokenizer(CAPTIONS, vocab_size=400, min_frequency=2)


@pytest.mark.parametrize("raw, expected", [
    ("A Dog BARKS", "a dog barks"),
    ("Birds chirp, and a dog barks.", "birds chirp and a dog barks"),
    ("  a   dog \t barks  ", "a dog barks"),
    ("a dog\nbarks\r\n", "a dog barks"),
    # The baseline deletes ASCII punctuation, apostrophes and hyphens included (no space added).
    ("A man's voice", "a mans voice"),
    ("rain-drops fall", "raindrops fall"),
    ("what? (loud) \"noise\"!", "what loud noise"),
    ("birds , chirp", "birds chirp"),
    ("", ""),
    ("...", ""),
])
def test_normalize_caption(raw, expected):
    assert normalize_caption(raw) == expected


def test_normalize_is_idempotent():
    for c in CAPTIONS:
        assert normalize_caption(normalize_caption(c)) == normalize_caption(c)


def test_special_token_ids_are_barts(tok):
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.mask_token_id == 4
    assert tok.convert_ids_to_tokens([0, 1, 2, 3, 4]) == ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    assert len(tok) <= 400


def test_training_is_deterministic_and_order_free(tok):
    shuffled = CAPTIONS[:]
    random.Random(0).shuffle(shuffled)
    again = train_tokenizer(shuffled, vocab_size=400, min_frequency=2)
    assert again.backend_tokenizer.to_str() == tok.backend_tokenizer.to_str()


@pytest.mark.slow
def test_training_is_deterministic_across_processes(tok):
    # Rust hash maps are seeded per process: a second interpreter is the honest check.
    code = ("import sys, json; from adl.tokenizer import train_tokenizer; "
            "caps = json.loads(sys.stdin.read()); "
            "print(train_tokenizer(caps, vocab_size=400).backend_tokenizer.to_str())")
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(CAPTIONS),
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == tok.backend_tokenizer.to_str()


def test_wraps_with_bos_eos_and_round_trips(tok):
    ids, mask = encode_captions(tok, CAPTIONS, max_length=64)
    assert ids.dtype == mask.dtype == torch.long and ids.shape == mask.shape
    lengths = mask.sum(1)
    for row, n, caption in zip(ids, lengths, CAPTIONS):
        assert row[0] == 0 and row[n - 1] == 2
        assert (row[n:] == 1).all()
        assert (row[1:n - 1] > 4).all()  # no special or unknown token inside a training caption
        assert tok.decode(row[:n], skip_special_tokens=True) == normalize_caption(caption)
    assert decode_captions(tok, ids) == [normalize_caption(c) for c in CAPTIONS]
    # Padding is to the longest caption in the batch.
    assert lengths.max() == ids.shape[1]


def test_unseen_words_still_round_trip(tok):
    # Byte-level BPE has no unknown token: any word is spelled out in bytes.
    caption = "A zebra xylophone quietly."
    ids, _ = encode_captions(tok, [caption], max_length=64)
    assert 3 not in ids.tolist()[0]
    assert decode_captions(tok, ids) == [normalize_caption(caption)]


def test_truncation_keeps_eos(tok):
    ids, mask = encode_captions(tok, CAPTIONS, max_length=6)
    assert ids.shape[1] == 6
    assert (ids[:, 0] == 0).all()
    full = mask.sum(1) == 6
    assert full.any() and (ids[full, -1] == 2).all()


def test_save_load_round_trip(tok, tmp_path):
    folder = tmp_path / "run" / "tokenizer"
    assert save_tokenizer(tok, folder) == folder
    loaded = load_tokenizer(folder)
    a, am = encode_captions(tok, CAPTIONS, max_length=32)
    b, bm = encode_captions(loaded, CAPTIONS, max_length=32)
    assert torch.equal(a, b) and torch.equal(am, bm)
    assert (loaded.bos_token_id, loaded.pad_token_id, loaded.eos_token_id) == (0, 1, 2)
    assert loaded.backend_tokenizer.to_str() == tok.backend_tokenizer.to_str()
    # Saving again replaces the folder and leaves no temporary folder behind.
    save_tokenizer(tok, folder)
    assert [p.name for p in folder.parent.iterdir()] == ["tokenizer"]
    assert load_tokenizer(folder).backend_tokenizer.to_str() == tok.backend_tokenizer.to_str()


def test_missing_folder_is_one_line_error(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(TokenizerError) as info:
        load_tokenizer(missing)
    assert isinstance(info.value, ADLError)
    assert str(missing) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("content", [None, "{not json"])
def test_broken_folder_is_one_line_error(tmp_path, content):
    folder = tmp_path / "broken"
    folder.mkdir()
    if content is not None:
        (folder / "tokenizer.json").write_text(content)
        (folder / "tokenizer_config.json").write_text("{}")
    with pytest.raises(TokenizerError) as info:
        load_tokenizer(folder)
    assert str(folder) in str(info.value) and "\n" not in str(info.value)


def test_no_captions_is_an_error():
    with pytest.raises(TokenizerError):
        train_tokenizer([])


def test_vocab_too_small_for_merges_is_an_error():
    with pytest.raises(ValueError, match="vocab_size"):
        train_tokenizer(CAPTIONS, vocab_size=200)
