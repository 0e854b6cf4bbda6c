"""The captioner and its training loop: ADL's difference, methods, overfitting, determinism,
resume, run directories."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import math

import pytest
import torch
from safetensors.torch import load_file

from adl.config import from_dict
from adl.data.training import MixingDataset, epoch_size, plan_epoch
from adl.errors import ConfigError
from adl.runs import CONVERGENCE_RULE, FORMAT_VERSION, RunError, read_run_info, write_run_info
from adl.tokenizer import encode_captions, train_tokenizer
from adl.inference import caption_files, load_run
from adl.models.captioner import build_captioner
from adl.train import lr_factor, train


def tiny_config(root, **training):
    return from_dict({
        "name": "tiny",
        "data": {"source": "real", "root": str(root)},
        "encoder": {"channels": [8, 16, 16, 32], "checkpoint": None, "freeze": False},
        "decoder": {"d_model": 32, "layers": 1, "heads": 2, "ffn_dim": 64, "vocab_size": 300,
                    "dropout": 0.1},
        "training": {"epochs": 2, "batch_size": 4, "lr": 3e-3, "warmup_fraction": 0.0,
                     **training},
        "generation": {"num_beams": 2, "max_length": 20, "min_length": 3},
        "mixing": {"p_adl": 0.5, "p_mixgen": 0.5},
    })


@pytest.fixture(scope="module")
def model_and_batch():
    torch.manual_seed(0)
    cfg = tiny_config("unused")
    tok = train_tokenizer(["a dog barks", "rain falls on a roof"] * 20, vocab_size=300)
    model = build_captioner(cfg, vocab_size=len(tok)).eval()
    wave = torch.randn(3, 44100) * 0.1
    lengths = torch.tensor([44100, 30000, 40000])
    ref = torch.randn(3, 44100) * 0.1
    labels, mask = encode_captions(tok, ["a dog barks", "rain falls", "a dog"], max_length=16)
    return model, wave, lengths, ref, labels, mask


def test_no_reference_is_conventional_captioning(model_and_batch):
    model, wave, lengths, ref, labels, mask = model_and_batch
    with torch.no_grad():
        # Z_ref = 0, chosen by the call: the model's own setting stays as built.
        logits_none, _ = model(wave, lengths, labels, mask, no_reference="zero")
        # Conventional captioning, written out: decoder(adapter(encoder(logmel))).
        feats, out_len = model.encoder(model.frontend(wave), model.frontend.n_frames(lengths))
        z = model.adapter(feats)
        zmask = torch.arange(z.shape[1])[None] < out_len[:, None]
        logits_plain, _ = model.decoder(z, zmask, labels, mask)
        # A reference that no row has is no reference at all.
        logits_off, _ = model(wave, lengths, labels, mask, ref, torch.zeros(3, dtype=torch.bool),
                              no_reference="zero")
    # Equal up to float rounding: on a CPU the captioner encodes clip by clip.
    torch.testing.assert_close(logits_none, logits_plain, rtol=1e-5, atol=1e-5)
    assert torch.equal(logits_none, logits_off)


def test_silence_is_the_default_no_reference(model_and_batch):
    """With no reference the decoder reads ``Z(x) - Enc(silence)``: bitwise what an explicit
    all-zero reference of the input's length gives, in training and in generation alike."""
    model, wave, lengths, _, labels, mask = model_and_batch
    assert model.no_reference == "silence"
    silent = torch.zeros_like(wave)
    with torch.no_grad():
        z_none, m = model.features(wave, lengths)
        z_silent, _ = model.features(wave, lengths, silent)
        logits_none, _ = model(wave, lengths, labels, mask)
        logits_silent, _ = model(wave, lengths, labels, mask, silent)
        z_in, _ = model.encode(wave, lengths)
    assert torch.equal(z_none[m], z_silent[m])
    assert torch.equal(logits_none, logits_silent)
    # ... and not Z(x) alone: the adapter's output of silence is far from zero.
    assert not torch.allclose(z_none[m], model.adapter(z_in)[m], atol=1e-3)
    # Each length's Enc(silence) is encoded once while the encoder is frozen.
    model.freeze_encoder()
    try:
        model.silence_features(torch.tensor([80, 80, 60]))
        assert {k[0] for k in model._silence} == {60, 80}
    finally:
        model.encoder.unfreeze()
        model._silence.clear()


def test_difference_is_taken_per_row(model_and_batch):
    model, wave, lengths, ref, *_ = model_and_batch
    has = torch.tensor([True, False, True])
    with torch.no_grad():
        z_diff, mask = model.features(wave, lengths, ref, has)
        z_in, _ = model.features(wave, lengths)
        z_ref, _ = model.features(ref, lengths)
    # Z(x) - Enc(0) minus Z(r) - Enc(0): the silences cancel.
    assert torch.allclose(z_diff[0], z_in[0] - z_ref[0], atol=1e-6)
    # Batched and alone, the same up to the rounding of the thread pool's kernels.
    assert torch.allclose(z_diff[1][mask[1]], z_in[1][mask[1]], atol=1e-6)
    assert torch.allclose(z_diff[2], z_in[2] - z_ref[2], atol=1e-6)
    assert mask.shape == z_diff.shape[:2]
    assert mask[1].sum() < mask[0].sum()  # the shorter clip has fewer valid frames


def test_difference_before_the_adapter(model_and_batch):
    model, wave, lengths, ref, *_ = model_and_batch
    model.diff_at = "encoder"
    try:
        with torch.no_grad():
            z, _ = model.features(wave, lengths, ref)
            e_in, _ = model.encode(wave, lengths)
            e_ref, _ = model.encode(ref, lengths)
            expected = model.adapter(e_in - e_ref)
        assert torch.allclose(z, expected, atol=1e-6)
    finally:
        model.diff_at = "adapter"


def test_epoch_plan_is_deterministic_and_mixes_as_asked():
    args = dict(n_inputs=200, n_captions=[5] * 200, input_lengths=[1000] * 200,
                ref_lengths=[300] * 10, p_adl=0.5, p_mixgen=0.3, seed=3)
    args["mode"] = "replace"
    a = plan_epoch(method="adl", epoch=0, **args)
    assert a == plan_epoch(method="adl", epoch=0, **args)
    assert a != plan_epoch(method="adl", epoch=1, **args)  # fresh pairings every epoch
    assert sorted(ex.index for ex in a) == list(range(200))
    share = sum(ex.kind == "adl" for ex in a) / 200
    assert 0.35 < share < 0.65
    assert all(0 <= ex.offset <= 700 for ex in a if ex.kind == "adl")
    m = plan_epoch(method="mixgen", epoch=0, **args)
    assert all(ex.partner != ex.index for ex in m if ex.kind == "mixgen")
    assert 0.15 < sum(ex.kind == "mixgen" for ex in m) / 200 < 0.45
    assert all(ex.kind == "plain" for ex in plan_epoch(method="baseline", epoch=0, **args))


def test_replace_mode_draws_the_plans_runs_made_before_add_existed():
    """``adl_mode: replace`` must reproduce earlier runs bit for bit, and the plan is where
    that starts: this digest is what plan_epoch drew before "add" and reference classes
    existed (commit 51da5df)."""
    h = hashlib.sha256()
    for method in ("baseline", "mixgen", "adl"):
        for epoch in range(3):
            plan = plan_epoch(300, [5] * 300, [40000 + 97 * i for i in range(300)],
                              [20000 + 13 * r for r in range(40)], method=method, p_adl=0.5,
                              p_mixgen=0.5, seed=7, epoch=epoch, mode="replace")
            # ``pool`` came later, and is -1 in every plan drawn without a pool.
            h.update(repr(plan).replace(", pool=-1", "").encode())
    assert h.hexdigest() == "1d414bf28df1b22038b70b59e5c99f3ecc5857ac8c968b4b3e030400cb35ce5c"


@pytest.mark.parametrize("method,p", [("adl", 0.5), ("adl", 1.0), ("mixgen", 0.25)])
def test_add_mode_keeps_every_plain_example_and_adds_mixtures(method, p):
    args = dict(n_inputs=120, n_captions=[5] * 120, input_lengths=[1000] * 120,
                ref_lengths=[300] * 10, p_adl=p, p_mixgen=p, seed=4, epoch=2)
    plan = plan_epoch(method=method, mode="add", **args)
    baseline = plan_epoch(method="baseline", mode="add", **args)
    plain = [ex for ex in plan if ex.kind == "plain"]
    extra = [ex for ex in plan if ex.kind != "plain"]
    # The baseline's plain examples, same captions, same order: a paired comparison.
    assert plain == baseline
    assert len(extra) == round(p * 120) == len(plan) - 120
    assert len(plan) == epoch_size(120, method=method, p_adl=p, p_mixgen=p, mode="add")
    assert {ex.kind for ex in extra} == {method}
    assert len({ex.index for ex in extra}) == len(extra)  # one mixture per chosen input
    # Mixtures are spread over the epoch, not appended at its end.
    first = [k for k, ex in enumerate(plan) if ex.kind != "plain"][0]
    assert first < len(plan) // 2
    assert epoch_size(120, method="baseline", p_adl=p, p_mixgen=p, mode="add") == 120
    assert epoch_size(120, method=method, p_adl=p, p_mixgen=p, mode="replace") == 120


@pytest.mark.parametrize("mode", ["add", "replace"])
def test_absent_references_are_of_classes_the_input_lacks(mode):
    ref_classes = ["dog", "rain", "bell"] * 4
    clip_classes = [{"dog"}, {"rain", "bell"}, set(), {"dog", "rain"}] * 10
    allowed = [[r for r, c in enumerate(ref_classes) if c not in have] for have in clip_classes]
    plan = plan_epoch(40, [5] * 40, [1000] * 40, [300] * 12, method="adl", p_adl=1.0,
                      p_mixgen=0.0, seed=1, epoch=0, mode=mode, allowed_refs=allowed)
    mixed = [ex for ex in plan if ex.kind == "adl"]
    assert len(mixed) == 40
    assert all(ref_classes[ex.partner] not in clip_classes[ex.index] for ex in mixed)
    with pytest.raises(ValueError, match="no reference event"):
        plan_epoch(1, [5], [1000], [300], method="adl", p_adl=1.0, p_mixgen=0.0, seed=0,
                   epoch=0, mode=mode, allowed_refs=[[]])


def test_new_choices_are_checked():
    for section, key, value in (("training", "adl_mode", "append"),
                                ("model", "no_reference", "nothing"),
                                ("mixing", "reference_classes", "some"),
                                ("training", "patience", 0)):
        with pytest.raises(ConfigError, match=f"{section}.{key}"):
            from_dict({section: {key: value}})
    cfg = from_dict({})
    assert (cfg.training.adl_mode, cfg.model.no_reference, cfg.mixing.reference_classes,
            cfg.training.patience) == ("add", "silence", "any", None)


def test_mixing_dataset_items():
    clips = [torch.randn(1000), torch.randn(800)]
    caps = [("a dog barks.",) * 5, ("rain falls",) * 5]
    ds = MixingDataset(clips, caps, [torch.randn(200)])
    plan = plan_epoch(2, [5, 5], [1000, 800], [200], method="adl", p_adl=1.0, p_mixgen=0.0,
                      seed=0, epoch=0, mode="replace")
    ds.set_plan(plan)
    item = ds[0]
    assert item["has_reference"] and item["caption"] in ("a dog barks.", "rain falls")
    assert torch.equal(item["input"], clips[plan[0].index] + item["reference"])
    ds.set_plan(plan_epoch(2, [5, 5], [1000, 800], [], method="mixgen", p_adl=0.0,
                           p_mixgen=1.0, seed=0, epoch=0))
    kinds = [ds[k]["caption"].count(" and ") for k in range(len(ds))]
    assert len(ds) == 4 and sorted(kinds) == [0, 0, 1, 1]  # two plain, two pairs added


def test_lr_schedule_warms_up_then_decays():
    lrs = [lr_factor(s, 100, 10) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[-1] < 0.01


def test_a_warm_up_in_epochs_does_not_depend_on_the_ceiling():
    from adl.config import ConfigError, load_preset
    from adl.train import warmup_steps

    cfg = load_preset("default")
    assert cfg.training.warmup_epochs == 3 and cfg.training.epochs == 60
    # the default's three epochs are the 0.05 of its 60-epoch budget it had as a fraction
    for spe in (32, 47):
        assert warmup_steps(cfg, spe, 60 * spe) == int(0.05 * 60 * spe) == 3 * spe
    # a ceiling of 10 or 30 epochs warms up exactly as long as the 60-epoch run
    for epochs in (10, 30, 60):
        short = cfg.replace(training=dataclasses.replace(cfg.training, epochs=epochs))
        assert warmup_steps(short, 47, epochs * 47) == 141
    assert warmup_steps(cfg, 47, 100) == 100  # never longer than the budget (max_steps)
    # without warmup_epochs, a fraction of the budget, as the cosine schedule reads it
    frac = cfg.replace(training=dataclasses.replace(cfg.training, warmup_epochs=None,
                                                      warmup_fraction=0.1))
    assert warmup_steps(frac, 32, 320) == 32 and warmup_steps(frac, 32, 640) == 64
    with pytest.raises(ConfigError, match="training.warmup_epochs"):
        dataclasses.replace(cfg.training, warmup_epochs=-1)


def test_plateau_schedule_lowers_the_rate_on_a_plateau_and_stops_by_the_criterion():
    from adl.train import plateau_step

    assert lr_factor(0, 100, 10, "plateau", 0.5) == pytest.approx(0.05)  # warm-up, scaled
    assert [lr_factor(s, 100, 10, "plateau", 0.25) for s in (10, 99, 500)] == [0.25] * 3
    losses, scale, stops = [], 1.0, []
    for loss in (3.0, 2.0, 1.5, 1.495, 1.40, 1.399, 1.398, 1.397):
        losses.append(loss)
        scale, stop = plateau_step(losses, scale, 0.5)
        stops.append((scale, stop))
    # Halved after each epoch that gained 0.01 or less; stopped once the last 3 gained <= 0.01.
    assert stops == [(1.0, False), (1.0, False), (1.0, False), (0.5, False), (0.5, False),
                     (0.25, False), (0.125, False), (0.0625, True)]


def test_plateau_schedule_needs_no_patience():
    with pytest.raises(ConfigError, match="training.patience"):
        tiny_config("unused", schedule="plateau", patience=3)
    with pytest.raises(ConfigError, match="training.schedule"):
        tiny_config("unused", schedule="step")
    with pytest.raises(ConfigError, match="training.plateau_factor"):
        tiny_config("unused", schedule="plateau", plateau_factor=1.0)


@pytest.mark.slow
def test_plateau_run_stops_converged_and_resumes_at_its_lowered_rate(tiny_data, tmp_path,
                                                                     monkeypatch):
    import csv

    import adl.train as T

    # A rate too small to move the loss: every epoch is a plateau, so the rate halves after
    # each epoch but the first, and the run stops after 4 epochs of its ceiling of 8, converged.
    # It is killed in its third epoch, after the first halving, and resumed.
    cfg = tiny_config(tiny_data, epochs=8, batch_size=4, lr=1e-7, schedule="plateau")
    from adl.data import load_clotho
    from adl.data.training import epoch_size

    n_clips = len(load_clotho(tiny_data, "development"))
    per_epoch = math.ceil(epoch_size(n_clips, method="adl", p_adl=0.5, p_mixgen=0.5,
                                     mode="add") / 4)
    real_save, calls = T.save_checkpoint, {"n": 0}

    def crashing_save(*args, **kwargs):
        real_save(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2 * per_epoch + 1:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(T, "save_checkpoint", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, method="adl", seed=0, out=tmp_path / "r", checkpoint_every=1,
              log=lambda m: None)
    monkeypatch.setattr(T, "save_checkpoint", real_save)
    done = train(cfg, method="adl", seed=0, out=tmp_path / "r", resume=True, log=lambda m: None)
    info = read_run_info(tmp_path / "r")
    assert done.epochs_done == 4 and info["stopped_early"] and info["convergence"]["converged"]
    rows = list(csv.DictReader(open(tmp_path / "r" / "steps.csv")))
    assert len(rows) == 4 * per_epoch
    rates = {int(r["epoch"]): float(r["lr"]) for r in rows}  # the rate of each epoch's last step
    assert [rates[e] for e in range(4)] == pytest.approx([1e-7, 1e-7, 5e-8, 2.5e-8])


@pytest.mark.slow
def test_training_overfits_and_captions(tiny_data, tmp_path):
    cfg = tiny_config(tiny_data, epochs=60, batch_size=12, lr=5e-3)
    # Z_ref = 0: this encoder starts random and trains, and the encoding of silence through its
    # running BatchNorm statistics (far from those of the tones) swamps the features of these
    # clips; with a pretrained, frozen encoder (the presets) silence is an ordinary input.
    cfg = cfg.replace(decoder=dataclasses.replace(cfg.decoder, d_model=64, ffn_dim=128),
                      model=dataclasses.replace(cfg.model, no_reference="zero"))
    s = train(cfg, method="baseline", seed=0, out=tmp_path / "run", log=lambda m: None)
    import csv
    rows = list(csv.DictReader(open(tmp_path / "run" / "steps.csv")))
    first, last = float(rows[0]["loss"]), float(rows[-1]["loss"])
    assert last < 0.2 * first, (first, last)
    assert s.global_step == 60 and read_run_info(tmp_path / "run")["status"] == "complete"
    from adl.data import load_clotho
    items = load_clotho(tiny_data, "development")[:4]
    captions = caption_files(tmp_path / "run", [it.path for it in items])
    names = ["low hum", "steady tone", "high beep", "shrill whistle"]
    hits = sum(name in cap for name, cap in zip(names, captions))
    assert hits >= 3, captions


@pytest.mark.slow
@pytest.mark.parametrize("method", ["adl", "mixgen"])
def test_same_seed_same_weights_and_resume_is_exact(tiny_data, tmp_path, monkeypatch, method):
    cfg = tiny_config(tiny_data, epochs=2, batch_size=4)  # 3 steps per epoch, 6 in all
    train(cfg, method=method, seed=1, out=tmp_path / "a", checkpoint_every=1,
          log=lambda m: None)
    # Crash after the 4th checkpoint (mid-epoch 2), as a kill would, then resume.
    import adl.train as T
    real_save, calls = T.save_checkpoint, {"n": 0}

    def crashing_save(*args, **kwargs):
        real_save(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(T, "save_checkpoint", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, method=method, seed=1, out=tmp_path / "b", checkpoint_every=1,
              log=lambda m: None)
    monkeypatch.setattr(T, "save_checkpoint", real_save)
    assert read_run_info(tmp_path / "b")["status"] == "running"
    with pytest.raises(RunError, match="--resume"):
        train(cfg, method=method, seed=1, out=tmp_path / "b", log=lambda m: None)
    train(cfg, method=method, seed=1, out=tmp_path / "b", resume=True, checkpoint_every=1,
          log=lambda m: None)
    wa = load_file(tmp_path / "a" / "last" / "model.safetensors")
    wb = load_file(tmp_path / "b" / "last" / "model.safetensors")
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k
    import csv
    steps_a = list(csv.DictReader(open(tmp_path / "a" / "steps.csv")))
    steps_b = list(csv.DictReader(open(tmp_path / "b" / "steps.csv")))
    assert [r["loss"] for r in steps_a] == [r["loss"] for r in steps_b]


def test_a_run_stopped_before_its_first_checkpoint_resumes_from_step_0(tiny_data, tmp_path,
                                                                      monkeypatch):
    cfg = tiny_config(tiny_data, epochs=1, batch_size=4)
    train(cfg, method="adl", seed=1, out=tmp_path / "a", log=lambda m: None)
    import adl.train as T
    real_save = T.save_checkpoint

    def killed_before_saving(*args, **kwargs):
        raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(T, "save_checkpoint", killed_before_saving)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, method="adl", seed=1, out=tmp_path / "b", log=lambda m: None)
    monkeypatch.setattr(T, "save_checkpoint", real_save)
    assert not (tmp_path / "b" / "last").exists()
    said: list[str] = []
    train(cfg, method="adl", seed=1, out=tmp_path / "b", resume=True, log=said.append)
    assert any("starts again from step 0" in m for m in said)
    wa = load_file(tmp_path / "a" / "model.safetensors")
    wb = load_file(tmp_path / "b" / "model.safetensors")
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k
    assert len(list(csv.DictReader(open(tmp_path / "b" / "steps.csv")))) == \
        len(list(csv.DictReader(open(tmp_path / "a" / "steps.csv"))))


@pytest.mark.slow
def test_complete_run_is_reused_and_loads(tiny_data, tmp_path):
    cfg = tiny_config(tiny_data, epochs=1)
    first = train(cfg, method="adl", seed=0, out=tmp_path / "r", log=lambda m: None)
    again = train(cfg, method="adl", seed=0, out=tmp_path / "r", log=lambda m: None)
    assert again.reused and again.global_step == first.global_step
    other = tiny_config(tiny_data, epochs=1, lr=1e-4)
    with pytest.raises(RunError, match="another config"):
        train(other, method="adl", seed=0, out=tmp_path / "r", log=lambda m: None)
    with pytest.raises(RunError, match="not baseline seed 0"):
        train(cfg, method="baseline", seed=0, out=tmp_path / "r", log=lambda m: None)
    model, tok, loaded = load_run(tmp_path / "r")
    assert loaded == cfg and not model.training
    for name in ("config.yaml", "model.safetensors", "steps.csv", "epochs.csv",
                 "tokenizer", "last/optimizer.pt", "last/rng.pt", "last/state.json"):
        assert (tmp_path / "r" / name).exists(), name


def test_bad_arguments_fail_before_work(tmp_path):
    cfg = tiny_config(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="unknown method"):
        train(cfg, method="adll", seed=0, out=tmp_path / "r")
    with pytest.raises(ConfigError, match="max-steps"):
        train(cfg, method="adl", seed=0, out=tmp_path / "r", max_steps=0)
    with pytest.raises(RunError, match="nothing to resume"):
        train(cfg, method="adl", seed=0, out=tmp_path / "r", resume=True)


def test_newer_run_format_is_refused(tmp_path):
    write_run_info(tmp_path, {"status": "complete"})
    assert read_run_info(tmp_path)["format_version"] == FORMAT_VERSION
    (tmp_path / "run.json").write_text('{"format_version": %d}' % (FORMAT_VERSION + 1))
    with pytest.raises(RunError, match="newer"):
        read_run_info(tmp_path)


def test_captioner_takes_log_mels_too(model_and_batch):
    model, wave, lengths, ref, labels, mask = model_and_batch
    with torch.no_grad():
        from_wave, _ = model(wave, lengths, labels, mask, ref)
        logmel, ref_logmel = model.frontend(wave), model.frontend(ref)
        frames = model.frontend.n_frames(lengths)
        from_logmel, _ = model(logmel, frames, labels, mask, ref_logmel)
    # Up to float rounding: waveforms are encoded clip by clip on a CPU, log-mels as a batch.
    torch.testing.assert_close(from_wave, from_logmel, rtol=1e-5, atol=1e-5)


def test_short_and_silent_clips_are_skipped_or_refused(tmp_path):
    import numpy as np

    from adl.audio import save_audio
    from adl.data.training import load_clips
    from adl.errors import AudioError

    ok, short, silent = tmp_path / "ok.wav", tmp_path / "short.wav", tmp_path / "silent.wav"
    save_audio(ok, np.full(44100, 0.1, dtype=np.float32), 44100)
    save_audio(short, np.full(1000, 0.1, dtype=np.float32), 44100)
    save_audio(silent, np.zeros(44100, dtype=np.float32), 44100)
    with pytest.warns(UserWarning, match="skipping"):
        clips, kept, skipped = load_clips([ok, short, silent], 44100, min_samples=13000)
    assert kept == [0] and len(clips) == 1
    assert [s[0] for s in skipped] == [str(short), str(silent)]
    assert "shorter than the encoder needs" in skipped[0][1] and "silence" in skipped[1][1]
    with pytest.raises(AudioError, match="short.wav"):
        load_clips([ok, short], 44100, min_samples=13000, on_bad_audio="error")


def test_epoch_line_says_method_seed_epoch_losses_and_time_left():
    from adl.train import epoch_line

    line = epoch_line("adl", 2, 3, 10, 3.41234, 3.6, best=True, seconds=41.23, seconds_left=300)
    assert line == ("adl seed 2 epoch 3/10: train loss 3.412, val loss 3.600 (best), 41.2 s, "
                    "about 5 min left")
    assert epoch_line("baseline", 0, 10, 10, 1, 2, best=False, seconds=1,
                      seconds_left=0).endswith("val loss 2.000, 1.0 s, done")
    assert "about 2.0 h left" in epoch_line("m", 0, 1, 2, 1, 1, best=False, seconds=1,
                                            seconds_left=7200)


@pytest.mark.slow
def test_training_logs_one_line_per_epoch(tiny_data, tmp_path, capsys):
    import re

    lines: list[str] = []
    train(tiny_config(tiny_data, epochs=2), method="baseline", seed=0, out=tmp_path / "run",
          log=lines.append)
    epochs = [line for line in lines if " epoch " in line]
    assert len(epochs) == 2, lines
    pattern = (r"baseline seed 0 epoch {}/2: train loss [\d.]+, val loss [\d.]+( \(best\))?, "
               r"[\d.]+ s, {}$")
    assert re.match(pattern.format(1, r"about \d+ s left"), epochs[0]), epochs[0]
    assert re.match(pattern.format(2, "done"), epochs[1]), epochs[1]
    err = capsys.readouterr().err  # pytest's stderr is no TTY: no per-step bar is drawn
    assert "baseline epoch 1" not in err and "batch" not in err


def test_early_stop_after_patience_epochs_without_a_better_validation_loss(tiny_data, tmp_path):
    # A learning rate too small to move a float32 weight: the validation loss never improves
    # after the first epoch, so the run stops `patience` epochs later.
    # The encoder is frozen too, or its BatchNorm statistics would still move.
    cfg = tiny_config(tiny_data, epochs=8, patience=2, lr=1e-12)
    cfg = cfg.replace(encoder=dataclasses.replace(cfg.encoder, freeze=True))
    lines = []
    with pytest.warns(UserWarning, match="keeps its random weights"):
        summary = train(cfg, method="baseline", seed=0, out=tmp_path / "run", log=lines.append)
    info = read_run_info(tmp_path / "run")
    assert summary.epochs_done == 3
    assert (info["best_epoch"], info["epochs_done"], info["epochs_max"]) == (1, 3, 8)
    assert info["stopped_early"] is True
    assert any("early stop" in line and "best: epoch 1" in line for line in lines)
    # The stated criterion needs more than 3 epochs: patience 2 stopped it before it could tell.
    assert info["convergence"]["rule"] == CONVERGENCE_RULE
    assert info["convergence"]["converged"] is False and info["convergence"]["gain"] is None
    # A finished run is complete: asking again reuses it, it does not train on.
    assert train(cfg, method="baseline", seed=0, out=tmp_path / "run",
                 log=lambda m: None).reused


def test_absent_references_need_scene_events(tiny_data, tmp_path):
    cfg = tiny_config(tiny_data)
    cfg = cfg.replace(mixing=dataclasses.replace(cfg.mixing, reference_classes="absent"))
    with pytest.raises(ConfigError, match="reference_classes: absent needs"):
        train(cfg, method="adl", seed=0, out=tmp_path / "run", log=lambda m: None)


def test_convergence_is_a_stated_criterion_not_the_place_of_the_best_epoch(tmp_path):
    from adl.runs import CONVERGENCE_EPOCHS, CONVERGENCE_TOLERANCE, convergence, plateau_gain

    assert (CONVERGENCE_EPOCHS, CONVERGENCE_TOLERANCE) == (3, 0.01)
    cases = {  # validation losses per epoch
        "flat": [2.0, 1.5, 1.40, 1.41, 1.405, 1.402],     # the last 3 gained nothing
        "falling": [2.0, 1.7, 1.5, 1.3, 1.25, 1.27],     # best before the last, still falling
        "noisy": [2.0, 1.8, 1.6, 1.5, 1.62, 1.45],       # best at the last epoch
        "short": [2.0, 1.2, 1.3],                        # too few epochs to tell
    }
    for name, losses in cases.items():
        run = tmp_path / name
        best = losses.index(min(losses)) + 1
        write_run_info(run, {"status": "complete", "method": "adl", "seed": 0,
                             "best_epoch": best, "epochs_done": len(losses), "epochs_max": 10,
                             "stopped_early": False, "best_val_loss": min(losses)})
        (run / "epochs.csv").write_text(
            "epoch,global_step,train_loss,val_loss,seconds,best\n" + "".join(
                f"{k},{10 * k},1,{v},1,0\n" for k, v in enumerate(losses)))
    recorded = tmp_path / "recorded"  # run.json's own record wins over epochs.csv
    write_run_info(recorded, {"status": "complete", "method": "baseline", "seed": 1,
                              "epochs_done": 2, "best_epoch": 2, "best_val_loss": 1.2,
                              "convergence": {"gain": 0.001, "converged": True}})
    table = convergence([tmp_path / n for n in (*cases, "recorded")]).set_index("run")
    assert table["converged"].to_dict() == {"flat": True, "falling": False, "noisy": False,
                                            "short": False, "recorded": True}
    assert table.loc["falling", "best_epoch"] == 5  # the old rule would have said converged
    assert table.loc["falling", "gain"] == pytest.approx(0.25)
    assert math.isnan(plateau_gain(cases["short"]))


def test_adapter_bias_is_fixed_when_it_cancels_in_every_row():
    cfg = tiny_config("unused")
    bias = lambda c: build_captioner(c, vocab_size=300).adapter.net[-1].bias
    assert not bias(cfg).requires_grad  # silence subtracted after the adapter: it cancels
    zero = cfg.replace(model=dataclasses.replace(cfg.model, no_reference="zero"))
    before = cfg.replace(encoder=dataclasses.replace(cfg.encoder, diff_at="encoder"))
    assert bias(zero).requires_grad and bias(before).requires_grad


def test_summary_tokens_are_the_mean_and_max_of_the_valid_frames():
    from adl.models.captioner import add_summary_tokens

    z = torch.tensor([[[1.0, -2.0], [3.0, 0.0], [99.0, 99.0]]])
    mask = torch.tensor([[True, True, False]])
    out, m = add_summary_tokens(z, mask)
    assert out.shape == (1, 5, 2) and m.tolist() == [[True, True, True, True, False]]
    assert out[0, 0].tolist() == [2.0, -1.0]  # the mean of the two valid frames
    assert out[0, 1].tolist() == [3.0, 0.0]   # their max; the padded frame is ignored
    assert torch.equal(out[0, 2:], z[0])


def test_a_captioner_with_summary_tokens_trains_and_generates(model_and_batch):
    _, wave, lengths, ref, labels, mask = model_and_batch
    cfg = tiny_config("unused")
    cfg = cfg.replace(encoder=dataclasses.replace(cfg.encoder, summary_tokens=True))
    torch.manual_seed(0)
    model = build_captioner(cfg, vocab_size=300).eval()
    with torch.no_grad():
        z, m = model.features(wave, lengths)
        plain = build_captioner(tiny_config("unused"), vocab_size=300).eval()
        plain.load_state_dict(model.state_dict())
        z0, m0 = plain.features(wave, lengths)
    assert z.shape[1] == z0.shape[1] + 2 and torch.equal(z[:, 2:], z0)
    _, loss = model(wave, lengths, labels, mask)
    assert torch.isfinite(loss)
    out = model.generate(wave, lengths, num_beams=2, max_length=8, min_length=2)
    assert out.shape[0] == 3


@pytest.mark.parametrize("method", ["baseline", "adl", "mixgen"])
def test_several_captions_per_clip_make_passes_with_distinct_captions(method):
    args = dict(n_inputs=30, n_captions=[5] * 30, input_lengths=[1000] * 30,
                ref_lengths=[300] * 4, method=method, p_adl=0.5, p_mixgen=0.5, seed=3, epoch=1)
    one = plan_epoch(**args)
    three = plan_epoch(**args, captions_per_clip=3)
    plain = [ex for ex in three if ex.kind == "plain"]
    # The first pass is the one-caption plan's plain part; then two more passes.
    assert plain[:30] == [ex for ex in one if ex.kind == "plain"]
    assert len(plain) == 90
    for i in range(30):
        assert len({ex.caption for ex in plain if ex.index == i}) == 3
    extra = len(three) - 90
    assert extra == (0 if method == "baseline" else 45)
    assert len(three) == epoch_size(30, method=method, p_adl=0.5, p_mixgen=0.5, mode="add",
                                    captions_per_clip=3)
    with pytest.raises(ValueError, match="mode 'add'"):
        plan_epoch(**{**args, "mode": "replace"}, captions_per_clip=2)
