"""Tests of adl.models.encoder: shapes, lengths, masking, freezing, checkpoint loading."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from torch import nn

from adl.errors import ADLError, ConfigError
from adl.models.checkpoints import CheckpointError, load_panns_checkpoint
from adl.models.encoder import (Adapter, Cnn14Encoder, SfxCnnEncoder, SmallCnnEncoder,
                                build_encoder, lengths_to_mask)

# A narrow CNN14: the exact PANNs key layout at a fraction of the 80M parameters.
NARROW = (4, 8, 8, 8, 8, 16)


@pytest.fixture(scope="module")
def cnn14() -> Cnn14Encoder:
    torch.manual_seed(0)
    return Cnn14Encoder().eval()


def _narrow(**kwargs) -> Cnn14Encoder:
    return Cnn14Encoder(channels=NARROW, **kwargs).eval()


def _randomize(model: nn.Module, seed: int) -> None:
    """Random weights and BatchNorm statistics, so a load that left anything out shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point():
                r = torch.rand(t.shape, generator=g)
                t.copy_(r + 0.5 if name.endswith("running_var") else r - 0.5)


def _panns_state(model: Cnn14Encoder) -> dict[str, torch.Tensor]:
    """The official Cnn14_mAP=0.431.pth state dict: ours plus the torchlibrosa extractor."""
    state = OrderedDict()
    state["spectrogram_extractor.stft.conv_real.weight"] = torch.randn(1025, 1, 2048)
    state["spectrogram_extractor.stft.conv_imag.weight"] = torch.randn(1025, 1, 2048)
    state["logmel_extractor.melW"] = torch.randn(1025, 64)
    state.update({k: v.clone() for k, v in model.state_dict().items()})
    return state


def _baseline_state(model: Cnn14Encoder) -> dict[str, torch.Tensor]:
    """The DCASE2023 baseline's audio_encoder.pth: its CNN14Encoder(out_dim=300) state dict."""
    own = model.state_dict()
    state = OrderedDict((k, own[k].clone()) for k in own if k.startswith("bn0."))
    for b in range(6):
        for j, (conv, bn) in enumerate((("conv1", "bn1"), ("conv2", "bn2"))):
            base = 8 * b + 3 * j
            state[f"cnn.{base}.weight"] = own[f"conv_block{b + 1}.{conv}.weight"].clone()
            for k in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
                state[f"cnn.{base + 1}.{k}"] = own[f"conv_block{b + 1}.{bn}.{k}"].clone()
    width = model.out_dim
    state["fc.1.weight"] = torch.randn(width, width)
    state["fc.1.bias"] = torch.randn(width)
    state["fc2.weight"] = torch.randn(300, width)
    state["fc2.bias"] = torch.randn(300)
    return state


# ---- shapes and lengths -------------------------------------------------------------------

@pytest.mark.parametrize("frames", [64, 100, 127, 128, 500])
def test_cnn14_shapes_and_lengths(cnn14: Cnn14Encoder, frames: int) -> None:
    x = torch.randn(2, frames, 64)
    with torch.no_grad():
        feats, lengths = cnn14(x)
    assert feats.shape == (2, frames // 64, 2048)
    assert lengths.tolist() == [frames // 64] * 2
    assert cnn14.out_dim == 2048 and cnn14.stride == 64


def test_cnn14_param_count_and_layout(cnn14: Cnn14Encoder) -> None:
    n_conv = sum(isinstance(m, nn.Conv2d) for m in cnn14.modules())
    assert n_conv == 12
    # PANNs reports 80.8M parameters for CNN14 (AudioSet head included).
    assert sum(p.numel() for p in cnn14.parameters()) == 80_753_615
    keys = cnn14.state_dict().keys()
    assert "conv_block6.bn2.running_var" in keys and "fc_audioset.weight" in keys


def test_cnn14_tag(cnn14: Cnn14Encoder) -> None:
    with torch.no_grad():
        logits = cnn14.tag(torch.randn(2, 96, 64), torch.tensor([96, 70]))
        probs = cnn14.clipwise(torch.randn(1, 64, 64))
    assert logits.shape == (2, 527)
    assert probs.shape == (1, 527) and bool(((probs > 0) & (probs < 1)).all())


@pytest.mark.parametrize("time_pool", [32, 64, 128])
def test_cnn14_time_pool(time_pool: int) -> None:
    model = _narrow(time_pool=time_pool)
    feats, lengths = model(torch.randn(1, 300, 64))
    assert feats.shape == (1, 300 // time_pool, 16)
    assert lengths.tolist() == [300 // time_pool]


def test_cnn14_time_pool_64_is_block6_pooling() -> None:
    """The extra pool by 2 equals the DCASE2023 baseline's 2x2 pooling after block 6."""
    model = _narrow()
    _randomize(model, 1)
    x = torch.randn(2, 200, 64)
    with torch.no_grad():
        ours, _ = model(x)
        ref = model._bn0(x, model.bn0)
        for block in model._blocks():
            ref = block(ref, None)
        ref = nn.functional.avg_pool2d(ref, 2).mean(dim=3).transpose(1, 2)
    torch.testing.assert_close(ours, ref)


@pytest.mark.parametrize("frames", [16, 100, 250, 500])
def test_small_cnn_shapes_and_lengths(frames: int) -> None:
    model = SmallCnnEncoder()
    feats, lengths = model(torch.randn(3, frames, 64))
    assert feats.shape == (3, frames // 16, 128)
    assert lengths.tolist() == [frames // 16] * 3
    assert model.out_dim == 128


def test_small_cnn_configurable() -> None:
    model = SmallCnnEncoder(channels=(8, 16, 32), time_pool=32, n_classes=5)
    feats, lengths = model(torch.randn(2, 100, 64), torch.tensor([100, 64]))
    assert feats.shape == (2, 3, 32)
    assert lengths.tolist() == [3, 2]
    assert model.tag(torch.randn(2, 100, 64)).shape == (2, 5)


def test_output_lengths() -> None:
    model = SmallCnnEncoder(time_pool=32)
    lengths = torch.tensor([32, 63, 64, 500])
    assert model.output_lengths(lengths).tolist() == [1, 1, 2, 15]
    assert model.output_lengths(lengths).dtype == torch.long


def test_bad_inputs() -> None:
    model = SmallCnnEncoder()
    with pytest.raises(ValueError, match="n_mels|64"):
        model(torch.randn(1, 100, 40))
    with pytest.raises(ValueError, match="shorter than the encoder stride"):
        model(torch.randn(1, 10, 64))
    with pytest.raises(ValueError, match="shorter than the encoder stride"):
        model(torch.randn(2, 100, 64), torch.tensor([100, 8]))
    with pytest.raises(ValueError, match="exceeds"):
        model(torch.randn(2, 100, 64), torch.tensor([100, 101]))
    with pytest.raises(ValueError, match="tagging head"):
        model.tag(torch.randn(1, 100, 64))


@pytest.mark.parametrize("frames", [8, 100, 127, 646])
def test_sfx_cnn_shapes_and_lengths(frames: int) -> None:
    model = SfxCnnEncoder(width=4).eval()
    feats, lengths = model(torch.randn(3, frames, 96))
    assert feats.shape == (3, frames // 8, 32)
    assert lengths.tolist() == [frames // 8] * 3
    assert (model.n_mels, model.out_dim, model.stride, model.trunk_stride) == (96, 32, 8, 8)
    feats, lengths = SfxCnnEncoder(width=4, time_pool=16)(torch.randn(2, 100, 96),
                                                          torch.tensor([100, 40]))
    assert feats.shape == (2, 6, 32) and lengths.tolist() == [6, 2]
    assert bool((feats[1, 2:] == 0).all())


def test_sfx_cnn_is_aisfx_embedding_net() -> None:
    """aisfx's EmbeddingNet('max', 3, 1, 64): its key names, 4.7M parameters, 512 features."""
    model = SfxCnnEncoder()
    assert model.out_dim == 512 and model.n_classes is None
    assert sum(p.numel() for p in model.parameters()) == 4_686_144
    keys = list(model.state_dict())
    # aisfx's names (its checkpoint loads by name; the order of the keys does not matter).
    assert set(keys[:12]) == {f"conv_block1.{k}" for k in (
        "conv1.weight", "conv2.weight", *(f"bn{i}.{v}" for i in (1, 2) for v in (
            "weight", "bias", "running_mean", "running_var", "num_batches_tracked")))}
    assert len(keys) == 4 * 12 and keys[-1] == "conv_block4.bn2.num_batches_tracked"
    assert not any(k.startswith(("bn0", "fc")) for k in keys)


def test_sfx_cnn_equals_max_pooled_reference_trunk() -> None:
    """Our frames, max-pooled over time, are aisfx's EmbeddingNet output (written out here)."""
    torch.manual_seed(0)
    model = SfxCnnEncoder(width=4).eval()
    _randomize(model, 3)
    x = torch.rand(2, 100, 96)
    with torch.no_grad():
        h = x.unsqueeze(1)
        for i in range(1, 5):
            b = getattr(model, f"conv_block{i}")
            h = torch.relu(b.bn2(b.conv2(torch.relu(b.bn1(b.conv1(h))))))
            h = nn.functional.max_pool2d(h, 2) if i < 4 else h
        reference = h.mean(dim=3).amax(dim=2)  # (B, 32)
        feats, _ = model(x)
    torch.testing.assert_close(feats.amax(dim=1), reference, rtol=0, atol=0)


def test_sfx_cnn_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="encoder.time_pool"):
        SfxCnnEncoder(time_pool=12)
    with pytest.raises(ConfigError, match="encoder.width"):
        SfxCnnEncoder(width=0)
    with pytest.raises(ValueError, match="96"):
        SfxCnnEncoder(width=2)(torch.randn(1, 64, 64))
    with pytest.raises(ValueError, match="tagging head"):
        SfxCnnEncoder(width=2).tag(torch.randn(1, 64, 96))
    assert SfxCnnEncoder(width=2, n_classes=3).tag(torch.randn(2, 64, 96)).shape == (2, 3)


# ---- masking ------------------------------------------------------------------------------

def test_lengths_to_mask() -> None:
    mask = lengths_to_mask(torch.tensor([1, 3]), 4)
    assert mask.tolist() == [[True, False, False, False], [True, True, True, False]]


@pytest.mark.parametrize("make", [
    lambda: SmallCnnEncoder(n_classes=4),
    lambda: SmallCnnEncoder(n_classes=4, time_pool=32),
    lambda: _narrow(n_classes=4),
    lambda: SfxCnnEncoder(64, width=4, n_classes=4),
    lambda: SfxCnnEncoder(64, width=4, time_pool=16, n_classes=4),
])
def test_padding_does_not_leak(make) -> None:
    """In eval mode a padded clip gives exactly the features of the clip alone."""
    torch.manual_seed(0)
    model = make().eval()
    _randomize(model, 2)
    short = torch.randn(1, 203, 64)
    batch = torch.randn(2, 331, 64) * 10  # padding full of loud garbage
    batch[0, :203] = short[0]
    lengths = torch.tensor([203, 331])
    with torch.no_grad():
        alone, alone_len = model(short)
        padded, padded_len = model(batch, lengths)
        n = int(alone_len[0])
        assert int(padded_len[0]) == n
        torch.testing.assert_close(padded[0, :n], alone[0], rtol=1e-5, atol=1e-5)
        assert bool((padded[0, n:] == 0).all())  # features beyond out_lengths are zero
        # The tagger's max/mean pooling ignores padded frames too.
        torch.testing.assert_close(model.tag(batch, lengths)[0], model.tag(short)[0],
                                   rtol=1e-5, atol=1e-5)


# ---- freezing -----------------------------------------------------------------------------

def test_freeze_keeps_eval_and_statistics() -> None:
    encoder = SmallCnnEncoder(n_classes=3)
    parent = nn.ModuleDict({"encoder": encoder, "adapter": Adapter(128, 32)})
    encoder.freeze()
    parent.train()
    assert encoder.frozen and not encoder.training
    assert all(not m.training for m in encoder.modules())
    assert parent["adapter"].training
    assert all(not p.requires_grad for p in encoder.parameters())
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    x = torch.randn(4, 100, 64) * 3 + 1
    feats, _ = encoder(x)
    feats2, _ = encoder(x)
    torch.testing.assert_close(feats, feats2)  # dropout is off
    after = encoder.state_dict()
    for k, v in before.items():
        assert torch.equal(v, after[k]), k
    assert not feats.requires_grad

    encoder.unfreeze()
    parent.train()
    assert encoder.training and all(p.requires_grad for p in encoder.parameters())
    encoder(x)
    assert not torch.equal(before["bn0.running_mean"], encoder.state_dict()["bn0.running_mean"])


# ---- factory and adapter ------------------------------------------------------------------

def test_build_encoder() -> None:
    assert isinstance(build_encoder("small_cnn", channels=(8, 16, 32, 64)), SmallCnnEncoder)
    assert isinstance(build_encoder("cnn14", channels=NARROW, n_classes=None), Cnn14Encoder)
    with pytest.raises(ConfigError, match="unknown encoder 'cnn15'.*cnn14, sfx_cnn, small_cnn"):
        build_encoder("cnn15")
    with pytest.raises(ConfigError, match="takes no argument 'widths'"):
        build_encoder("small_cnn", widths=(1, 2))
    with pytest.raises(ConfigError, match="encoder.time_pool"):
        build_encoder("cnn14", time_pool=48)
    with pytest.raises(ConfigError, match="encoder.time_pool"):
        build_encoder("small_cnn", time_pool=8)
    sfx = build_encoder("sfx_cnn", width=2, time_pool=16)
    assert isinstance(sfx, SfxCnnEncoder) and sfx.out_dim == 16 and sfx.stride == 16
    with pytest.raises(ConfigError, match="takes no argument 'channels'"):
        build_encoder("sfx_cnn", channels=(1, 2))


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_adapter(kind: str) -> None:
    adapter = Adapter(128, 48, kind=kind, dropout=0.1)
    assert adapter(torch.randn(3, 7, 128)).shape == (3, 7, 48)
    with pytest.raises(ConfigError, match="unknown adapter"):
        Adapter(128, 48, kind="conv")


# ---- checkpoints --------------------------------------------------------------------------

def _roundtrip(source: Cnn14Encoder, target: Cnn14Encoder, path: Path) -> list[str]:
    not_loaded = load_panns_checkpoint(target, path)
    x = torch.randn(2, 128, 64)
    with torch.no_grad():
        torch.testing.assert_close(target(x)[0], source(x)[0], rtol=0, atol=0)
    return not_loaded


def test_load_panns_layout(tmp_path: Path) -> None:
    source, target = _narrow(), _narrow()
    _randomize(source, 3)
    path = tmp_path / "Cnn14_mAP=0.431.pth"
    torch.save({"model": _panns_state(source), "iteration": 1000}, path)
    assert _roundtrip(source, target, path) == []
    x = torch.randn(1, 96, 64)
    with torch.no_grad():
        torch.testing.assert_close(target.tag(x), source.tag(x), rtol=0, atol=0)
    # A model without a head takes the trunk and skips fc1/fc_audioset.
    headless = _narrow(n_classes=None)
    assert _roundtrip(source, headless, path) == []


@pytest.mark.slow
def test_load_panns_layout_full_size(cnn14: Cnn14Encoder, tmp_path: Path) -> None:
    path = tmp_path / "Cnn14_mAP=0.431.pth"
    torch.save({"model": _panns_state(cnn14)}, path)
    target = Cnn14Encoder(n_classes=None).eval()
    assert _roundtrip(cnn14, target, path) == []


def test_load_baseline_layout(tmp_path: Path) -> None:
    source, target = _narrow(), _narrow()
    _randomize(source, 4)
    state = _baseline_state(source)
    path = tmp_path / "audio_encoder.pth"
    torch.save(state, path)
    assert _roundtrip(source, target, path) == ["fc_audioset.bias", "fc_audioset.weight"]
    torch.testing.assert_close(target.fc1.weight, state["fc.1.weight"], rtol=0, atol=0)
    # A parent model's state dict, e.g. the baseline's BARTAAC saved whole under "audio_enc.".
    prefixed = tmp_path / "bartaac.pth"
    torch.save({"state_dict": {f"audio_enc.{k}": v for k, v in state.items()}}, prefixed)
    _roundtrip(source, _narrow(), prefixed)


def test_load_bare_panns_names_with_prefix(tmp_path: Path) -> None:
    source = _narrow(n_classes=None)
    _randomize(source, 5)
    path = tmp_path / "encoder.pt"
    state = {f"encoder.{k}": v for k, v in source.state_dict().items()
             if not k.endswith("num_batches_tracked")}  # old checkpoints lack these
    torch.save(state, path)
    _roundtrip(source, _narrow(n_classes=None), path)


def test_missing_and_unexpected_keys(tmp_path: Path) -> None:
    state = _panns_state(_narrow())
    del state["conv_block3.conv2.weight"]
    state["conv_block7.conv1.weight"] = torch.zeros(1)
    path = tmp_path / "broken.pth"
    torch.save({"model": state}, path)
    with pytest.raises(CheckpointError) as info:
        load_panns_checkpoint(_narrow(), path)
    msg = str(info.value)
    assert "broken.pth" in msg and "\n" not in msg
    assert "missing keys: conv_block3.conv2.weight" in msg
    assert "unexpected keys: conv_block7.conv1.weight" in msg


def test_wrong_shapes(tmp_path: Path) -> None:
    path = tmp_path / "wide.pth"
    torch.save({"model": _panns_state(_narrow())}, path)
    with pytest.raises(CheckpointError, match=r"wide\.pth.*wrong shapes: bn0"):
        load_panns_checkpoint(Cnn14Encoder(n_mels=32, channels=NARROW), path)
    with pytest.raises(CheckpointError, match=r"wrong shapes: fc_audioset\.bias"):
        load_panns_checkpoint(_narrow(n_classes=10), path)


def test_baseline_layout_missing_block(tmp_path: Path) -> None:
    state = _baseline_state(_narrow())
    for k in [k for k in state if k.startswith("cnn.40.")]:
        del state[k]
    path = tmp_path / "audio_encoder.pth"
    torch.save(state, path)
    with pytest.raises(CheckpointError, match=r"audio_encoder\.pth \(DCASE2023 baseline layout\)"
                                              r".*missing keys: conv_block6\.conv1\.weight"):
        load_panns_checkpoint(_narrow(), path)


def test_unreadable_files(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"this is not a checkpoint")
    with pytest.raises(CheckpointError, match=r"cannot read checkpoint .*garbage\.pth"):
        load_panns_checkpoint(_narrow(), garbage)
    with pytest.raises(CheckpointError, match=r"absent\.pth"):
        load_panns_checkpoint(_narrow(), tmp_path / "absent.pth")
    not_a_state = tmp_path / "list.pth"
    torch.save([1, 2, 3], not_a_state)
    with pytest.raises(CheckpointError, match=r"list\.pth holds no state dict"):
        load_panns_checkpoint(_narrow(), not_a_state)


class _Payload:
    """Stands for arbitrary pickled code that a weights-only load must refuse."""

    def __reduce__(self):
        return (print, ("pickle code ran",))


class _Custom:
    """A custom class inside a checkpoint (e.g. a training-state object)."""

    def __init__(self) -> None:
        self.weight = torch.zeros(2)


@pytest.mark.parametrize("payload", [_Payload, _Custom])
def test_pickle_only_file_is_refused(payload: type, tmp_path: Path,
                                     capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "evil.pth"
    torch.save({"model": {"bn0.weight": torch.ones(64)}, "extra": payload()}, path)
    with pytest.raises(CheckpointError, match=r"cannot read checkpoint .*evil\.pth") as info:
        load_panns_checkpoint(_narrow(), path)
    assert "\n" not in str(info.value)
    assert "weights-only loading refused it" in str(info.value)
    assert isinstance(info.value, ADLError)
    assert "pickle code ran" not in capsys.readouterr().out


def test_sliding_max_takes_the_max_of_a_centred_window_within_the_valid_frames():
    from adl.models.encoder import sliding_max

    x = torch.tensor([[[1.0, 5.0, 2.0, 0.0, 3.0, 9.0]]])
    assert sliding_max(x, 3).tolist() == [[[5.0, 5.0, 5.0, 3.0, 9.0, 9.0]]]
    assert sliding_max(x, 1).tolist() == x.tolist()
    # Frames past a clip's length neither feed a window nor come out non-zero.
    out = sliding_max(x, 4, torch.tensor([4]))
    assert out.tolist() == [[[5.0, 5.0, 5.0, 2.0, 0.0, 0.0]]]  # window 4: one frame left, two right


def test_block_max_keeps_a_padded_clip_equal_to_the_clip_alone():
    from adl.models.encoder import SfxCnnEncoder

    torch.manual_seed(0)
    enc = SfxCnnEncoder(width=4, time_pool=16, block_max=5).eval()
    a, b = torch.randn(1, 200, 96), torch.randn(1, 150, 96)
    batch = torch.zeros(2, 200, 96)
    batch[0], batch[1, :150] = a[0], b[0]
    with torch.no_grad():
        both, n = enc(batch, torch.tensor([200, 150]))
        alone_b, nb = enc(b)
    assert int(n[1]) == int(nb[0])
    torch.testing.assert_close(both[1, : int(nb[0])], alone_b[0], rtol=1e-5, atol=1e-5)
    with pytest.raises(Exception, match="block_max"):
        SfxCnnEncoder(width=4, block_max=-1)
