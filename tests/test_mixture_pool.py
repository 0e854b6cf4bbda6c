"""The mixture pool (mixtures drawn and encoded once) and the on-disk feature store."""

from __future__ import annotations

import csv
import dataclasses
import shutil
import warnings

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from adl.data.training import MixingDataset, collate, draw_pool, pad_batch, plan_epoch
from adl.errors import ConfigError
from adl.feature_cache import FeatureCache, MixturePool, attach_store, input_features
from adl.inference import load_run
from adl.mixing import mix
from adl.models.captioner import build_captioner
from adl.tokenizer import encode_captions, train_tokenizer
from adl.train import load_training_data, train, train_step
from tests.test_train import tiny_config


def _clips(n: int = 6) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return [torch.randn(20000 + 3001 * i, generator=g) * 0.1 for i in range(n)]


@pytest.fixture(scope="module")
def frozen_model():
    torch.manual_seed(0)
    model = build_captioner(tiny_config("unused"), vocab_size=300)
    model.freeze_encoder()
    return model.train()


def test_a_pool_spreads_its_inputs_evenly_and_depends_on_its_seed_alone():
    lengths = [30000 + 100 * i for i in range(10)]
    pool = draw_pool(10, [5] * 10, lengths, [8000, 9000, 4000], method="adl", size=25, seed=3)
    counts = np.bincount([ex.index for ex in pool], minlength=10)
    assert len(pool) == 25 and counts.min() == 2 and counts.max() == 3
    assert all(ex.kind == "adl" and 0 <= ex.partner < 3 for ex in pool)
    assert pool == draw_pool(10, [5] * 10, lengths, [8000, 9000, 4000], method="adl", size=25,
                             seed=3)
    assert pool != draw_pool(10, [5] * 10, lengths, [8000, 9000, 4000], method="adl", size=25,
                             seed=4)
    mg = draw_pool(10, [5] * 10, lengths, [], method="mixgen", size=10, seed=0)
    assert all(ex.kind == "mixgen" and ex.partner != ex.index for ex in mg)
    with pytest.raises(ValueError, match="adl or mixgen"):
        draw_pool(10, [5] * 10, lengths, [], method="baseline", size=3, seed=0)
    with pytest.raises(ValueError, match="at least one"):
        draw_pool(10, [5] * 10, lengths, [1000], method="adl", size=0, seed=0)


def test_epochs_draw_their_added_examples_from_the_pool():
    lengths = [30000] * 8
    pool = draw_pool(8, [5] * 8, lengths, [8000, 9000], method="adl", size=6, seed=0)
    kw = dict(method="adl", p_adl=0.5, p_mixgen=0.5, seed=1, mode="add")
    fresh = plan_epoch(8, [5] * 8, lengths, [8000, 9000], epoch=0, **kw)
    plan = plan_epoch(8, [5] * 8, lengths, [8000, 9000], epoch=0, pool=pool, **kw)
    # The plain part is the baseline's plan, whatever the mixtures are.
    assert [e for e in plan if e.kind == "plain"] == [e for e in fresh if e.kind == "plain"]
    added = [e for e in plan if e.kind != "plain"]
    assert len(added) == 4 and len({e.pool for e in added}) == 4  # no repeat within an epoch
    for e in added:
        src = pool[e.pool]
        assert (e.index, e.partner, e.offset) == (src.index, src.partner, src.offset)
    # A pool smaller than the epoch's share of mixtures is cycled through.
    small = plan_epoch(8, [5] * 8, lengths, [8000, 9000], epoch=0, pool=pool[:3], **kw)
    assert sorted({e.pool for e in small if e.kind != "plain"}) == [0, 1, 2]
    # "replace" with a pool: the baseline's epoch size, the same number of pool mixtures, each
    # in the slot of a plain example; the plain examples left keep their order and captions.
    replaced = plan_epoch(8, [5] * 8, lengths, [8000, 9000], epoch=0, pool=pool,
                          **{**kw, "mode": "replace"})
    assert len(replaced) == 8
    mixed = [e for e in replaced if e.kind != "plain"]
    assert len(mixed) == 4 and len({e.pool for e in mixed}) == 4 and min(e.pool for e in mixed) >= 0
    baseline = plan_epoch(8, [5] * 8, lengths, [8000, 9000], epoch=0,
                          **{**kw, "method": "baseline", "mode": "replace"})
    assert [(a, b) for a, b in zip(replaced, baseline) if a.kind == "plain" and a != b] == []
    # Without a pool, "replace" mixes fresh examples in place.
    fresh = plan_epoch(8, [5] * 8, lengths, [8000, 9000], epoch=0, **{**kw, "mode": "replace"})
    assert len(fresh) == 8 and all(e.pool == -1 for e in fresh)


def test_pooled_features_are_what_mixing_on_the_fly_gives(frozen_model):
    clips, refs = _clips(), [c[:7000] * 2 for c in _clips(3)]
    lengths = [c.shape[0] for c in clips]
    examples = draw_pool(6, [1] * 6, lengths, [r.shape[0] for r in refs], method="adl",
                         size=5, seed=0)
    pool = MixturePool.build(frozen_model, examples, clips, refs, snr_db=0.0, batch_size=2,
                             chunk=2)
    assert len(pool) == 5 and pool.references is not None and pool.nbytes > 0
    tok = train_tokenizer(["a dog barks", "rain falls"] * 10, vocab_size=300)
    captions = [("a dog barks",)] * 6
    ds = MixingDataset(clips, captions, refs, plain_audio=False)
    plan = plan_epoch(6, [1] * 6, lengths, [r.shape[0] for r in refs], method="adl",
                      p_adl=0.5, p_mixgen=0.5, seed=0, epoch=0, pool=examples)
    ds.set_plan(plan)
    enc = lambda c: encode_captions(tok, c, max_length=8)
    batch = collate([ds[k] for k in range(len(ds))], enc)
    assert batch["input"].shape[0] == 0 and batch["reference"].shape[0] == 0  # no samples
    cache = FeatureCache.build(frozen_model, clips, batch_size=3)
    # The same batch mixed on the fly, with the pool's draws.
    fresh_ds = MixingDataset(clips, captions, refs, plain_audio=False)
    fresh_ds.set_plan([dataclasses.replace(e, pool=-1) for e in plan])
    fresh = collate([fresh_ds[k] for k in range(len(fresh_ds))], enc)
    frozen_model.eval()
    with torch.no_grad():
        got = train_step(frozen_model, batch, "adl", cache=cache, pool=pool)
        want = train_step(frozen_model, fresh, "adl", cache=cache)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)
    # Pooled rows are read from the pool: their mixture features equal the mixture encoded.
    k = next(i for i, e in enumerate(plan) if e.pool >= 0)
    ex = examples[plan[k].pool]
    m, _ = mix(clips[ex.index], refs[ex.partner], snr_db=0.0, offset=ex.offset)
    feats, n = input_features(frozen_model, cache, batch["clip"], batch["input"],
                              batch["lengths"], pool, batch["pool"])
    with torch.no_grad():
        alone, an = frozen_model.encode(m[None], torch.tensor([m.shape[0]]))
    torch.testing.assert_close(feats[k, : int(n[k])], alone[0, : int(an)], rtol=1e-5,
                               atol=1e-5)


def test_the_store_gives_back_what_the_encoder_gives(frozen_model, tmp_path):
    clips = _clips(4)
    wave, lengths = pad_batch(clips)
    model = frozen_model.eval()
    with torch.no_grad():
        want, want_n = model.encode(wave, lengths)
        store = attach_store(model, tmp_path / "features")
        try:
            assert store is not None
            first, n1 = model.encode(wave, lengths)
            assert store.misses == 4 and store.hits == 0
            again, n2 = model.encode(wave[1:3], lengths[1:3])  # another batch: read back
            assert store.hits == 2
        finally:
            model.feature_store = None
    assert torch.equal(n1, want_n) and torch.equal(n2, want_n[1:3])
    torch.testing.assert_close(first, want, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(again, first[1:3, : again.shape[1]])
    assert len(list((tmp_path / "features").rglob("*.npy"))) == 4
    assert not list((tmp_path / "features").rglob("*.tmp"))  # atomic writes leave nothing


def test_the_store_is_for_frozen_encoders_and_new_weights_detach_it(tmp_path):
    model = build_captioner(tiny_config("unused"), vocab_size=300).train()
    assert attach_store(model, tmp_path) is None and model.feature_store is None
    model.freeze_encoder()
    store = attach_store(model, tmp_path)
    assert store is not None
    model.load_state_dict(model.state_dict())
    assert model.feature_store is None  # new weights could mean new features
    # A truncated file is a miss, never an error.
    key = store.key(torch.ones(100))
    store.put(key, torch.ones(3, 4))
    path = next(tmp_path.rglob("*.npy"))
    path.write_bytes(path.read_bytes()[:20])
    assert store.get(key) is None


def _frozen(root, **mixing):
    cfg = tiny_config(root, epochs=2)
    return cfg.replace(encoder=dataclasses.replace(cfg.encoder, freeze=True),
                       mixing=dataclasses.replace(cfg.mixing, **mixing),
                       training=dataclasses.replace(cfg.training, store_features=True))


@pytest.mark.slow
@pytest.mark.parametrize("method", ["adl", "mixgen"])
def test_a_run_trains_from_its_pool_and_shares_it(tiny_data, tmp_path, method):
    warnings.simplefilter("ignore")
    root = tmp_path / "data"
    shutil.copytree(tiny_data, root)  # the store writes into the corpus folder
    cfg = _frozen(root, pool_size=5)
    data = load_training_data(cfg)
    said: list[str] = []
    train(cfg, method=method, seed=0, out=tmp_path / "a", data=data, log=said.append)
    # Same seed, so the same random encoder (a pretrained one is the same for every seed).
    train(cfg, method=method, seed=0, out=tmp_path / "b", data=data, log=said.append)
    assert sum(f"mixture pool: 5 {method} mixtures" in m for m in said) == 2
    assert len([k for k in data.feature_caches if k[0] == "pool"]) == 1  # built once
    # 12 clips + 6 pooled mixtures per epoch, batches of 4, two epochs.
    assert len(list(csv.DictReader(open(tmp_path / "a" / "steps.csv")))) == 10
    # The store holds every clip and pooled mixture (and ADL's references) once.
    stored = list((root / "features").rglob("*.npy"))
    n_val = len(data.val_clips)
    assert len(stored) == 12 + n_val + 5 * (2 if method == "adl" else 1)
    # A run trained without the shared data reads them all back: the same weights.
    train(cfg, method=method, seed=0, out=tmp_path / "c", log=lambda m: None)
    assert len(list((root / "features").rglob("*.npy"))) == len(stored)
    wa = load_file(tmp_path / "a" / "model.safetensors")
    wc = load_file(tmp_path / "c" / "model.safetensors")
    for k in wa:
        torch.testing.assert_close(wa[k], wc[k], rtol=1e-4, atol=1e-6)
    model, _, _ = load_run(tmp_path / "a", root=root)
    assert model.feature_store is not None


def test_a_replacing_run_trains_from_its_pool(tiny_data, tmp_path):
    # The ablation of chapter 6: mixtures from the pool in place of plain examples, so an epoch
    # is the baseline's 12 examples (3 batches of 4), two epochs.
    warnings.simplefilter("ignore")
    root = tmp_path / "data"
    shutil.copytree(tiny_data, root)
    cfg = _frozen(root, pool_size=5)
    cfg = cfg.replace(training=dataclasses.replace(cfg.training, adl_mode="replace"))
    said: list[str] = []
    train(cfg, method="adl", seed=0, out=tmp_path / "r", log=said.append)
    assert any("mixture pool: 5 adl mixtures" in m for m in said)
    assert len(list(csv.DictReader(open(tmp_path / "r" / "steps.csv")))) == 6


def test_a_pool_size_is_not_negative(tiny_data):
    with pytest.raises(ConfigError, match="pool_size"):
        _frozen(tiny_data, pool_size=-1)
