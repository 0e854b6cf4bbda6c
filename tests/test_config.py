"""Typed config: presets load, bad keys and values fail early with the field named."""

import dataclasses
from pathlib import Path

import pytest

from adl.config import (PRESETS, Config, dataset_root, data_root, from_dict, load_config,
                        load_preset, save_config)
from adl.errors import ConfigError


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_and_round_trip(name, tmp_path):
    cfg = load_preset(name)
    assert cfg.name == name
    save_config(cfg, tmp_path / "c.yaml")
    assert load_config(tmp_path / "c.yaml") == cfg


def test_config_is_frozen():
    cfg = load_preset("smoke")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.corpus.seed = 3  # type: ignore[misc]


def test_unknown_preset_suggests_nearest():
    with pytest.raises(ConfigError, match="unknown preset 'smok'.*did you mean 'smoke'"):
        load_preset("smok")


def test_unknown_key_names_key_and_nearest():
    with pytest.raises(ConfigError, match="unknown key 'corpus.n_devlopment'.*'n_development'"):
        from_dict({"corpus": {"n_devlopment": 3}})
    with pytest.raises(ConfigError, match="unknown key 'mixng'.*'mixing'"):
        from_dict({"mixng": {}})


@pytest.mark.parametrize("raw, field", [
    ({"corpus": {"n_development": 0}}, "corpus.n_development"),
    ({"corpus": {"events_per_class": -3}}, "corpus.events_per_class"),
    ({"corpus": {"scene_seconds": [6.0, 5.0]}}, "corpus.scene_seconds"),
    ({"corpus": {"scene_seconds": [6.0]}}, "corpus.scene_seconds"),
    ({"mixing": {"snr_db": float("nan")}}, "mixing.snr_db"),
    ({"mixing": {"snr_db": float("inf")}}, "mixing.snr_db"),
    ({"mixing": {"p_adl": 1.5}}, "mixing.p_adl"),
    ({"data": {"source": "clothoo"}}, "data.source"),
    ({"data": {"sr": "fast"}}, "data.sr"),
    ({"corpus": {"seed": 1.5}}, "corpus.seed"),
])
def test_bad_values_name_the_field(raw, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.").replace("[", r"\[")):
        from_dict(raw)


def test_bad_yaml_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("corpus: [1, 2\n")
    with pytest.raises(ConfigError, match="bad.yaml"):
        load_config(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_data_root_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("ADL_DATA_ROOT", raising=False)
    assert data_root() == Path("data")
    monkeypatch.setenv("ADL_DATA_ROOT", str(tmp_path))
    assert data_root() == tmp_path
    assert data_root("x") == Path("x")
    assert dataset_root(load_preset("smoke")) == tmp_path / "embedded-smoke"
    assert dataset_root(load_preset("paper")) == tmp_path
    assert dataset_root(load_preset("default"), "r") == Path("r") / "embedded-default"


def test_defaults_match_design():
    cfg = Config()
    assert cfg.mixing.snr_db == 0.0
    assert cfg.data.sr == 44100


def test_config_table_has_one_readable_row_per_field():
    from adl.config import config_table

    cfg = load_preset("smoke")
    table = config_table(cfg)
    assert list(table.columns) == ["value"]
    leaves = sum(len(v) if isinstance(v, dict) else 1 for v in cfg.to_dict().values())
    assert len(table) == leaves and table.index.is_unique
    assert table.loc["name", "value"] == "smoke"
    assert table.loc["training.batch_size", "value"] == str(cfg.training.batch_size)
    assert table.loc["data.root", "value"] == "None"
    assert table.loc["encoder.channels", "value"] == \
        "[" + ", ".join(str(c) for c in cfg.encoder.channels) + "]"
    assert table.index[1].startswith("data.")  # the preset's order, not sorted
    assert all(isinstance(v, str) and "{" not in v for v in table["value"])


# ---- the sound-effects CNN ------------------------------------------------------------------

def test_sfx_cnn_fields_parse_and_round_trip(tmp_path):
    cfg = from_dict({"encoder": {"name": "sfx_cnn", "width": 8, "time_pool": 16,
                                 "input_gain_db": -6, "checkpoint": None}})
    assert (cfg.encoder.name, cfg.encoder.width, cfg.encoder.input_gain_db) == \
        ("sfx_cnn", 8, -6.0)
    save_config(cfg, tmp_path / "c.yaml")
    assert load_config(tmp_path / "c.yaml") == cfg
    pretrained = from_dict({"encoder": {"name": "sfx_cnn", "checkpoint": "aisfx", "time_pool": 8}})
    assert pretrained.encoder.width == 64 and pretrained.encoder.input_gain_db == 0.0
    assert Config().encoder.name == "small_cnn"  # the default encoder is unchanged


def test_sfx_cnn_constants_agree_with_the_encoder():
    from adl.config import SFX_SR, SFX_TRUNK_STRIDE, SFX_WIDTH
    from adl.models import encoder

    assert (SFX_WIDTH, SFX_TRUNK_STRIDE) == (encoder.SFX_WIDTH, encoder.SFX_TRUNK_STRIDE)
    assert SFX_SR == 44100


@pytest.mark.parametrize("encoder, field", [
    ({"name": "sfx_cnn", "width": 0}, "encoder.width"),
    ({"name": "sfx_cnn", "time_pool": 12}, "encoder.time_pool"),
    ({"name": "sfx_cnn", "input_gain_db": float("nan")}, "encoder.input_gain_db"),
    ({"name": "sfx_cnn", "input_gain_db": "loud"}, "encoder.input_gain_db"),
    ({"name": "sfx_cnn", "checkpoint": "tagger"}, "encoder.checkpoint"),
    ({"name": "sfx_cnn", "checkpoint": "aisfx", "width": 8}, "encoder.width"),
    ({"name": "small_cnn", "checkpoint": "aisfx"}, "encoder.checkpoint"),
    ({"name": "cnn14", "checkpoint": "aisfx"}, "encoder.checkpoint"),
    ({"name": "sfx"}, "encoder.name"),
])
def test_sfx_cnn_bad_values_name_the_field(encoder, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        from_dict({"encoder": encoder})


def test_sfx_cnn_needs_44100_hz():
    with pytest.raises(ConfigError, match=r"data\.sr.*sfx_cnn.*44100"):
        from_dict({"data": {"sr": 22050}, "encoder": {"name": "sfx_cnn", "time_pool": 8}})
    with pytest.raises(ConfigError, match=r"data\.sr"):
        load_preset("smoke").replace(data=dataclasses.replace(
            load_preset("smoke").data, sr=16000), encoder=dataclasses.replace(
            load_preset("smoke").encoder, name="sfx_cnn", checkpoint=None, time_pool=8))
