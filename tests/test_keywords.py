"""Keyword estimation: the vocabulary, the targets, the head, the loss, and a run that uses them."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from adl.config import from_dict
from adl.data.training import MixingDataset, PlannedExample, collate
from adl.errors import ConfigError, DataError
from adl.keywords import (KEYWORDS_FILE, KeywordHead, caption_words, keyword_targets,
                          keyword_vocabulary, load_keywords, save_keywords)
from adl.models.captioner import build_captioner
from adl.tokenizer import encode_captions, train_tokenizer

pytestmark = pytest.mark.usefixtures("one_thread")

CAPTIONS = [["A dog barks in the distance.", "A dog is barking loudly."],
            ["Rain falls on a roof.", "Heavy rain on a tin roof."],
            ["A dog barks while rain falls.", "Rain and a barking dog."]]


def test_caption_words_leave_out_stop_words_and_boilerplate():
    assert caption_words("A dog is barking in the distance, and it can be heard.") == {
        "dog", "barking"}


def test_vocabulary_ranks_words_by_the_clips_that_use_them():
    words = keyword_vocabulary(CAPTIONS, 4)
    # dog: 2 clips, rain: 2 clips, falls: 2, roof: 1, barks: 2, barking: 2
    assert words == ["barking", "barks", "dog", "falls"]
    assert len(keyword_vocabulary(CAPTIONS, 100)) == len(
        set().union(*(caption_words(c) for caps in CAPTIONS for c in caps)))
    with pytest.raises(ValueError):
        keyword_vocabulary(CAPTIONS, 0)


def test_targets_are_on_for_words_of_any_caption_of_the_clip():
    y = keyword_targets(CAPTIONS, ["dog", "rain", "roof"])
    assert y.tolist() == [[1, 0, 0], [0, 1, 1], [1, 1, 0]]


def test_keywords_round_trip_and_a_bad_file_is_one_line(tmp_path):
    save_keywords(["dog", "rain"], tmp_path / KEYWORDS_FILE)
    assert load_keywords(tmp_path / KEYWORDS_FILE) == ["dog", "rain"]
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(DataError, match="empty.txt"):
        load_keywords(tmp_path / "empty.txt")
    with pytest.raises(DataError, match="missing.txt"):
        load_keywords(tmp_path / "missing.txt")


def test_head_prepends_one_token_from_the_valid_frames():
    torch.manual_seed(0)
    head = KeywordHead(4, 3)
    z = torch.randn(2, 5, 4)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    out, m, logits = head(z, mask)
    assert out.shape == (2, 6, 4) and logits.shape == (2, 3)
    assert m[:, 0].all() and torch.equal(m[:, 1:], mask) and torch.equal(out[:, 1:], z)
    # Padded frames do not change the estimate.
    z2 = z.clone()
    z2[1, 2:] = 100.0
    assert torch.allclose(head(z2, mask)[2], logits)


def test_frame_max_pooling_keeps_the_largest_frame_logit():
    torch.manual_seed(0)
    head = KeywordHead(4, 3, pooling="frame_max")
    z = torch.randn(2, 5, 4)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    out, m, logits = head(z, mask)
    frames = head.classify(z)
    assert torch.allclose(logits[0], frames[0].amax(0))
    assert torch.allclose(logits[1], frames[1, :2].amax(0))  # padded frames never win
    assert out.shape == (2, 6, 4) and m[:, 0].all()
    with pytest.raises(ValueError, match="pooling"):
        KeywordHead(4, 3, pooling="mean")
    with pytest.raises(ConfigError, match="decoder.keyword_pooling"):
        _tiny(keywords=3, keyword_pooling="mean")


def _tiny(**decoder):
    return from_dict({"name": "tiny", "data": {"source": "real", "root": "unused"},
                      "encoder": {"channels": [8, 16, 16, 32], "checkpoint": None,
                                  "freeze": False},
                      "decoder": {"d_model": 32, "layers": 1, "heads": 2, "ffn_dim": 64,
                                  "vocab_size": 300, **decoder}})


def test_the_loss_adds_the_weighted_keyword_cross_entropy():
    torch.manual_seed(0)
    tok = train_tokenizer([c for caps in CAPTIONS for c in caps] * 10, vocab_size=300)
    model = build_captioner(_tiny(keywords=3, keyword_weight=2.0), vocab_size=len(tok)).eval()
    wave, lengths = torch.randn(2, 44100) * 0.1, torch.tensor([44100, 30000])
    labels, mask = encode_captions(tok, ["a dog barks", "rain falls"], max_length=12)
    y = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    with torch.no_grad():
        _, caption_loss = model(wave, lengths, labels, mask)
        _, total = model(wave, lengths, labels, mask, keywords=y)
        p = model.keyword_probabilities(wave, lengths)
        z, m = model.difference(wave, lengths)  # the frames, without the keyword token
        zf, mf = model.features(wave, lengths)
    assert zf.shape[1] == z.shape[1] + 1 and torch.equal(zf[:, 1:], z) and mf[:, 0].all()
    bce = torch.nn.functional.binary_cross_entropy(p, y)
    assert torch.allclose(total, caption_loss + 2.0 * bce, atol=1e-5)
    out = model.generate(wave, lengths, num_beams=2, max_length=8, min_length=2)
    assert out.shape[0] == 2
    with pytest.raises(ValueError, match="no keyword head"):
        build_captioner(_tiny(), vocab_size=len(tok)).keyword_probabilities(wave, lengths)


def test_bad_keyword_settings_are_refused():
    with pytest.raises(ConfigError, match="decoder.keywords"):
        _tiny(keywords=-1)
    with pytest.raises(ConfigError, match="decoder.keyword_weight"):
        _tiny(keywords=3, keyword_weight=-1.0)


def test_items_carry_the_input_clips_words_and_a_pair_carries_both():
    clips = [torch.randn(100) for _ in range(3)]
    y = keyword_targets(CAPTIONS, ["dog", "rain", "roof"])
    ds = MixingDataset(clips, CAPTIONS, [torch.ones(50)], keywords=y)
    ds.set_plan([PlannedExample(0, 0), PlannedExample(1, 0, "adl", 0),
                 PlannedExample(0, 1, "mixgen", 1)])
    got = [ds[k]["keywords"].tolist() for k in range(3)]
    assert got == [[1, 0, 0], [0, 1, 1], [1, 1, 1]]
    tok = train_tokenizer([c for caps in CAPTIONS for c in caps] * 10, vocab_size=300)
    batch = collate([ds[k] for k in range(3)], lambda caps: encode_captions(tok, caps, max_length=24))
    assert batch["keywords"].shape == (3, 3)


@pytest.mark.parametrize("method", ["adl", "mixgen"])
def test_a_run_with_keywords_saves_them_and_loads(tiny_data, tmp_path, method):
    from adl.inference import load_run
    from adl.train import train

    cfg = from_dict({
        "name": "tiny", "data": {"source": "real", "root": str(tiny_data)},
        "encoder": {"channels": [8, 16, 16, 32], "checkpoint": None, "freeze": False},
        "decoder": {"d_model": 32, "layers": 1, "heads": 2, "ffn_dim": 64, "vocab_size": 300,
                    "keywords": 5},
        "training": {"epochs": 1, "batch_size": 4, "warmup_fraction": 0.0},
        "mixing": {"p_adl": 0.5, "p_mixgen": 0.5},
    })
    train(cfg, method=method, seed=0, out=tmp_path / "r", log=lambda m: None)
    words = load_keywords(tmp_path / "r" / KEYWORDS_FILE)
    assert 1 <= len(words) <= 5
    model, _, loaded = load_run(tmp_path / "r")
    assert model.keywords is not None
    assert model.keywords.classify.out_features == len(words)
    assert dataclasses.asdict(loaded.decoder)["keywords"] == 5


def test_event_clips_join_the_training_clips_with_captions_that_name_them(tmp_path):
    from adl.config import dataset_root, load_preset
    from adl.corpus.prepare import prepare_corpus
    from adl.events import caption_language
    from adl.train import load_training_data

    cfg = load_preset("smoke")
    cfg = cfg.replace(data=dataclasses.replace(cfg.data, root=str(tmp_path)))
    base = dataset_root(cfg, tmp_path)
    prepare_corpus(base, cfg.corpus, sr=cfg.data.sr, workers=1)
    plain = load_training_data(cfg, tmp_path, with_references=False)
    more = cfg.replace(training=dataclasses.replace(cfg.training, event_clips=2))
    data = load_training_data(more, tmp_path, with_references=False)
    added = len(data.clips) - len(plain.clips)
    assert added >= 2 * 3 and data.captions[: len(plain.clips)] == plain.captions
    language = caption_language(base)
    for caps, classes in zip(data.captions[len(plain.clips):],
                             data.clip_classes[len(plain.clips):]):
        assert len(caps) == 5 and len(classes) == 1
        assert all(language.events_in_caption(c) <= classes for c in caps), caps
        assert any(language.events_in_caption(c) == classes for c in caps), caps


def test_event_clips_need_the_embedded_corpus(tiny_data):
    from adl.train import load_training_data

    cfg = from_dict({"name": "tiny", "data": {"source": "real", "root": str(tiny_data)},
                     "training": {"event_clips": 2}})
    with pytest.raises(ConfigError, match="training.event_clips"):
        load_training_data(cfg, tiny_data, with_references=False)
    with pytest.raises(ConfigError, match="training.event_clips"):
        from_dict({"name": "tiny", "training": {"event_clips": -1}})
