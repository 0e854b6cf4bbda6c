"""The frozen-encoder feature cache and the run-long data loader of adl.train."""

from __future__ import annotations

import csv
import dataclasses
import math
import warnings

import pytest
import torch
from safetensors.torch import load_file

from adl.data.training import MixingDataset, collate, pad_batch
from adl.feature_cache import FeatureCache, encoder_digest, input_features
from adl.tokenizer import encode_captions, train_tokenizer
from adl.inference import load_run
from adl.models.captioner import build_captioner
from adl.train import load_training_data, train
from tests.test_train import tiny_config


@pytest.fixture(scope="module")
def frozen_model():
    torch.manual_seed(0)
    model = build_captioner(tiny_config("unused"), vocab_size=300)
    model.freeze_encoder()
    return model.train()  # the encoder stays in eval mode: it is frozen


def _clips(n: int = 5) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return [torch.randn(20000 + 3001 * i, generator=g) * 0.1 for i in range(n)]


def test_cached_features_are_the_clips_encoded_alone(frozen_model):
    clips = _clips()
    cache = FeatureCache.build(frozen_model, clips, batch_size=2)
    assert len(cache) == len(clips) and cache.nbytes > 0
    with torch.no_grad():
        for clip, cached in zip(clips, cache.features):
            alone, n = frozen_model.encode(clip[None], torch.tensor([clip.shape[0]]))
            assert cached.shape == alone[0, : int(n)].shape
            torch.testing.assert_close(cached, alone[0, : int(n)], rtol=1e-5, atol=1e-5)
    # Built twice, bit for bit the same (a resumed run rebuilds it).
    again = FeatureCache.build(frozen_model, clips, batch_size=2)
    assert all(torch.equal(a, b) for a, b in zip(cache.features, again.features))


def test_input_features_mix_cached_and_fresh_rows(frozen_model):
    clips = _clips()
    cache = FeatureCache.build(frozen_model, clips, batch_size=3)
    # Rows 0 and 2 are plain (cached, no samples in the batch); row 1 is a fresh mixture.
    mixture = clips[3][:25000] + 0.5 * clips[4][:25000]
    wave, lengths = pad_batch([None, mixture, None])
    clip = torch.tensor([1, -1, 4])
    feats, n = input_features(frozen_model, cache, clip, wave, lengths)
    full, full_n = pad_batch([clips[1], mixture, clips[4]])
    with torch.no_grad():
        want, want_n = frozen_model.encode(full, full_n)
    assert torch.equal(n, want_n)
    torch.testing.assert_close(feats[:, : want.shape[1]], want, rtol=1e-5, atol=1e-5)
    assert feats.shape[1] == want.shape[1]
    # The batch may carry the fresh rows alone (as collate stacks them): the same features.
    compact, compact_n = input_features(frozen_model, cache, clip, mixture[None], lengths)
    assert torch.equal(compact, feats) and torch.equal(compact_n, n)


def test_cache_refuses_an_encoder_that_trains():
    model = build_captioner(tiny_config("unused"), vocab_size=300).train()
    with pytest.raises(ValueError, match="frozen encoder"):
        FeatureCache.build(model, _clips(2))


def test_plain_items_carry_their_clip_and_may_skip_audio():
    tok = train_tokenizer(["a dog barks", "rain falls"] * 10, vocab_size=300)
    clips = _clips(3)
    ds = MixingDataset(clips, [("a dog barks",)] * 3, [clips[0][:5000]], plain_audio=False)
    item = ds[1]
    assert item["input"] is None and item["clip"] == ds.plan[1].index
    batch = collate([ds[0], ds[2]], lambda c: encode_captions(tok, c, max_length=8))
    # No samples travel, but the lengths do: a silent reference is as long as its clip.
    assert batch["clip"].tolist() == [0, 2]
    assert batch["lengths"].tolist() == [clips[0].shape[0], clips[2].shape[0]]
    assert batch["input"].shape[0] == 0  # no row carries samples
    assert batch["reference"].shape[0] == 0


def _frozen_config(root, **training):
    cfg = tiny_config(root, **training)
    return cfg.replace(encoder=dataclasses.replace(cfg.encoder, freeze=True))


def _losses(run) -> list[float]:
    return [float(r["loss"]) for r in csv.DictReader(open(run / "steps.csv"))]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["baseline", "adl"])
def test_training_with_the_cache_follows_training_without(tiny_data, tmp_path, method):
    warnings.simplefilter("ignore")  # a frozen random encoder warns; that is the point here
    cached = _frozen_config(tiny_data, epochs=2, cache_features=True)
    plain = _frozen_config(tiny_data, epochs=2, cache_features=False)
    train(cached, method=method, seed=0, out=tmp_path / "c", log=lambda m: None)
    train(plain, method=method, seed=0, out=tmp_path / "p", log=lambda m: None)
    a, b = _losses(tmp_path / "c"), _losses(tmp_path / "p")
    # 12 clips (+ 6 mixtures for mixgen and adl, adl_mode add) in batches of 4, two epochs.
    assert len(a) == len(b) == (6 if method == "baseline" else 10)
    # Same batches, same weights: only float rounding of the encoder pass differs.
    assert a == pytest.approx(b, rel=1e-4, abs=1e-5)


@pytest.mark.slow
def test_cached_run_with_workers_resumes_exactly(tiny_data, tmp_path, monkeypatch):
    warnings.simplefilter("ignore")
    cfg = _frozen_config(tiny_data, epochs=2, num_workers=2)  # 3 steps per epoch
    train(cfg, method="adl", seed=3, out=tmp_path / "a", checkpoint_every=1, log=lambda m: None)
    import adl.train as T
    real_save, calls = T.save_checkpoint, {"n": 0}

    def crashing_save(*args, **kwargs):
        real_save(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(T, "save_checkpoint", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, method="adl", seed=3, out=tmp_path / "b", checkpoint_every=1,
              log=lambda m: None)
    monkeypatch.setattr(T, "save_checkpoint", real_save)
    train(cfg, method="adl", seed=3, out=tmp_path / "b", resume=True, checkpoint_every=1,
          log=lambda m: None)
    wa = load_file(tmp_path / "a" / "last" / "model.safetensors")
    wb = load_file(tmp_path / "b" / "last" / "model.safetensors")
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k
    assert _losses(tmp_path / "a") == _losses(tmp_path / "b")


@pytest.mark.slow
def test_compiled_decoder_trains(tiny_data, tmp_path, monkeypatch):
    warnings.simplefilter("ignore")
    # TorchDynamo still captures the decoder's graphs; the "aot_eager" backend skips inductor's
    # C++ code generation, which costs about 100 s cold on 2 cores and is torch's own to test.
    compile_in_place = torch.nn.Module.compile
    monkeypatch.setattr(torch.nn.Module, "compile",
                        lambda self, *a, **kw: compile_in_place(self, *a, backend="aot_eager", **kw))
    cfg = _frozen_config(tiny_data, epochs=1, compile=True)
    s = train(cfg, method="adl", seed=0, out=tmp_path / "r", max_steps=2, log=lambda m: None)
    assert s.global_step == 2
    assert all(math.isfinite(x) for x in _losses(tmp_path / "r"))
    model, _, _ = load_run(tmp_path / "r")  # the weights keep their names
    assert not any("_orig_mod" in k for k in model.state_dict())


def test_a_batch_may_carry_only_the_rows_that_have_a_reference(frozen_model):
    clips = _clips()
    wave, lengths = pad_batch(clips[:3])
    event = torch.zeros_like(wave[1])
    event[1000: 9000] = clips[4][:8000]
    full = torch.zeros_like(wave)
    full[1] = event
    has = torch.tensor([False, True, False])
    with torch.no_grad():
        want, want_mask = frozen_model.features(wave, lengths, full, has)
        got, got_mask = frozen_model.features(wave, lengths, full[1:2], has)
    assert torch.equal(got, want) and torch.equal(got_mask, want_mask)
    with pytest.raises(ValueError, match="reference has 2 rows"):
        frozen_model.features(wave, lengths, full[:2], has)


def test_the_encoder_digest_follows_every_weight_and_statistic(frozen_model):
    other = build_captioner(tiny_config("unused"), vocab_size=300)
    other.load_state_dict(frozen_model.state_dict())
    assert encoder_digest(other) == encoder_digest(frozen_model)
    with torch.no_grad():
        next(other.encoder.parameters()).view(-1)[0] += 1e-6
    assert encoder_digest(other) != encoder_digest(frozen_model)
    other.load_state_dict(frozen_model.state_dict())
    bn = next(m for m in other.encoder.modules() if isinstance(m, torch.nn.BatchNorm2d))
    bn.running_var[0] += 1e-3  # a buffer, not a parameter
    assert encoder_digest(other) != encoder_digest(frozen_model)


@pytest.mark.slow
def test_runs_given_the_same_data_share_one_cache(tiny_data, tmp_path):
    warnings.simplefilter("ignore")
    cfg = _frozen_config(tiny_data, epochs=1)
    data = load_training_data(cfg)
    said: list[str] = []
    train(cfg, method="baseline", seed=0, out=tmp_path / "a", data=data, log=said.append)
    train(cfg, method="adl", seed=0, out=tmp_path / "b", data=data, log=said.append)
    assert len(data.feature_caches) == 1
    assert sum("reused (built by an earlier run" in m for m in said) == 1
    # The shared cache gives the run a fresh cache gives.
    train(cfg, method="adl", seed=0, out=tmp_path / "c", log=lambda m: None)
    wb = load_file(tmp_path / "b" / "model.safetensors")
    wc = load_file(tmp_path / "c" / "model.safetensors")
    assert all(torch.equal(wb[k], wc[k]) for k in wb)
