"""The BART decoder over audio embeddings: shapes, masks, loss, batched beam search, overfitting."""

import pytest
import torch

from adl.errors import ADLError
from adl.models.decoder import AudioBartDecoder, DecoderError, build_decoder
from adl.tokenizer import decode_captions, encode_captions, normalize_caption, train_tokenizer

D = 32


pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.one_thread

TINY = dict(d_model=D, decoder_layers=2, decoder_attention_heads=4, decoder_ffn_dim=64)


def _decoder(vocab_size: int = 60, seed: int = 0, **kw) -> AudioBartDecoder:
    torch.manual_seed(seed)
    return AudioBartDecoder(build_decoder(vocab_size=vocab_size, **TINY, **kw)).eval()


def _audio(lengths: list[int], seed: int = 0, pad_value: float = 0.0):
    """Audio embeddings (B, max(lengths), D) and their mask, padding filled with pad_value."""
    g = torch.Generator().manual_seed(seed)
    T = max(lengths)
    x = torch.randn(len(lengths), T, D, generator=g)
    mask = torch.arange(T)[None, :] < torch.tensor(lengths)[:, None]
    x[~mask] = pad_value
    return x, mask


def _labels(lengths: list[int], vocab_size: int = 60, seed: int = 0):
    """Fake targets <s> w.. </s> <pad>.. (B, max(lengths)) and their mask."""
    g = torch.Generator().manual_seed(seed)
    L = max(lengths)
    ids = torch.randint(5, vocab_size, (len(lengths), L), generator=g)
    mask = (torch.arange(L)[None, :] < torch.tensor(lengths)[:, None]).long()
    ids[:, 0] = 0
    ids[torch.arange(len(lengths)), torch.tensor(lengths) - 1] = 2
    ids[mask == 0] = 1
    return ids, mask


def test_build_uses_bart_conventions():
    bart = build_decoder(vocab_size=60, **TINY)
    cfg = bart.config
    assert (cfg.bos_token_id, cfg.pad_token_id, cfg.eos_token_id) == (0, 1, 2)
    assert cfg.decoder_start_token_id == 2  # BART starts decoding from </s>
    assert cfg.encoder_layers == 0 and len(bart.model.encoder.layers) == 0
    assert bart.training


def test_logits_shape_and_finite_loss():
    dec = _decoder()
    audio, amask = _audio([7, 5, 3])
    labels, lmask = _labels([6, 4, 6])
    logits, loss = dec(audio, amask, labels, lmask)
    assert logits.shape == (3, 6, 60)
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_loss_ignores_padding_and_matches_manual_cross_entropy():
    dec = _decoder()
    audio, amask = _audio([7, 5, 3])
    labels, lmask = _labels([6, 3, 5])
    logits, loss = dec(audio, amask, labels, lmask)
    changed = labels.clone()
    changed[lmask == 0] = 17  # garbage where the mask says padding
    logits2, loss2 = dec(audio, amask, changed, lmask)
    assert torch.allclose(loss, loss2, atol=1e-6)
    keep = lmask.bool()
    assert torch.allclose(logits[keep], logits2[keep], atol=1e-5)
    manual = torch.nn.functional.cross_entropy(logits[keep], labels[keep])
    assert torch.allclose(loss, manual, atol=1e-6)


def test_label_smoothing_changes_the_loss():
    dec = _decoder()
    audio, amask = _audio([4, 4])
    labels, lmask = _labels([5, 5])
    _, plain = dec(audio, amask, labels, lmask)
    dec.label_smoothing = 0.1
    _, smooth = dec(audio, amask, labels, lmask)
    assert not torch.allclose(plain, smooth)


def test_masked_audio_frames_do_not_matter():
    dec = _decoder()
    audio, amask = _audio([7, 4, 2])
    labels, lmask = _labels([5, 5, 5])
    logits, _ = dec(audio, amask, labels, lmask)
    noisy = audio.clone()
    noisy[~amask] = 100 * torch.randn(int((~amask).sum()), D)
    logits2, _ = dec(noisy, amask, labels, lmask)
    assert torch.allclose(logits, logits2, atol=1e-5)
    # And the real frames do matter.
    other = audio.clone()
    other[amask] += torch.randn(int(amask.sum()), D)  # not a constant: layernorm would remove it
    logits3, _ = dec(other, amask, labels, lmask)
    assert not torch.allclose(logits, logits3, atol=1e-3)


def test_bad_audio_shapes_are_named():
    dec = _decoder()
    audio, amask = _audio([3, 3])
    labels, lmask = _labels([4, 4])
    with pytest.raises(ValueError, match="audio_embeds"):
        dec(audio[..., :-1], amask, labels, lmask)
    with pytest.raises(ValueError, match="audio_mask"):
        dec(audio, amask[:, :-1], labels, lmask)
    with pytest.raises(ValueError, match="real frame"):
        dec(audio, torch.zeros_like(amask), labels, lmask)


def _first_eos(row: torch.Tensor) -> int:
    """Index of the first </s> after the start token (or the length when there is none)."""
    hits = (row[1:] == 2).nonzero()
    return int(hits[0]) + 1 if len(hits) else len(row)


def test_min_and_max_length_are_respected():
    dec = _decoder()
    audio, amask = _audio([6, 3])
    with torch.no_grad():
        dec.bart.final_logits_bias[0, 2] = 20.0  # the model wants to stop at once
    out = dec.generate(audio, amask, min_length=8, max_length=20)
    assert [_first_eos(r) for r in out] == [8, 8]
    with torch.no_grad():
        dec.bart.final_logits_bias[0, 2] = -20.0  # the model never wants to stop
    out = dec.generate(audio, amask, min_length=5, max_length=12)
    assert out.shape == (2, 12)
    assert (out[:, -1] == 2).all()  # forced </s> at max_length


def _ngrams(row: list[int], n: int) -> list[tuple[int, ...]]:
    return [tuple(row[i:i + n]) for i in range(len(row) - n + 1)]


def test_no_repeat_ngram_is_respected():
    dec = _decoder()
    audio, amask = _audio([5, 5, 2])
    with torch.no_grad():
        dec.bart.final_logits_bias[0, 2] = -20.0
        dec.bart.final_logits_bias[0, 7] = 8.0  # a strong favourite token, repeated if allowed
    free = dec.generate(audio, amask, no_repeat_ngram_size=0, min_length=5, max_length=15)
    grams = _ngrams(free[0].tolist(), 3)
    assert len(set(grams)) < len(grams)  # the constraint below has something to prevent
    out = dec.generate(audio, amask, no_repeat_ngram_size=3, min_length=5, max_length=15)
    for row in out.tolist():
        grams = _ngrams(row[:_first_eos(torch.tensor(row))], 3)
        assert len(set(grams)) == len(grams)


def test_generate_restores_training_mode():
    dec = _decoder().train()
    audio, amask = _audio([3])
    dec.generate(audio, amask, max_length=8)
    assert dec.training


def _assert_batched_equals_single(dec: AudioBartDecoder, audio, amask, **kw) -> torch.Tensor:
    batched = dec.generate(audio, amask, **kw)
    for i in range(audio.shape[0]):
        n = int(amask[i].sum())
        single = dec.generate(audio[i:i + 1, :n], amask[i:i + 1, :n], **kw)
        row = batched[i, :single.shape[1]]
        assert torch.equal(row, single[0]), f"item {i}: {batched[i].tolist()} vs {single.tolist()}"
        assert (batched[i, single.shape[1]:] == 1).all()  # the rest is padding
    return batched


def test_batched_generation_equals_one_by_one():
    dec = _decoder()
    with torch.no_grad():
        # Larger weights than BART's init (std 0.02), so the audio visibly steers the captions.
        for w in dec.parameters():
            if w.dim() == 2:
                w.normal_(0.0, 0.3)
    audio, amask = _audio([9, 4, 6, 2], seed=1, pad_value=50.0)
    out = _assert_batched_equals_single(dec, audio, amask, max_length=16)
    assert len({tuple(r.tolist()) for r in out}) > 1
    # The check has teeth: ignoring the mask lets the padding change the captions.
    assert not torch.equal(dec.generate(audio, torch.ones_like(amask), max_length=16), out)


def test_pretrained_folder_round_trip_and_errors(tmp_path):
    dec = _decoder()
    folder = tmp_path / "bart"
    dec.bart.save_pretrained(folder)
    loaded = build_decoder(vocab_size=60, **TINY, pretrained=folder)
    for (name, a), (_, b) in zip(dec.bart.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    with pytest.raises(DecoderError) as info:
        build_decoder(vocab_size=60, **TINY, pretrained=tmp_path / "missing")
    assert isinstance(info.value, ADLError) and "missing" in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(DecoderError, match="vocab_size"):
        build_decoder(vocab_size=61, **TINY, pretrained=folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DecoderError, match="empty"):
        build_decoder(vocab_size=60, **TINY, pretrained=tmp_path / "empty")


OVERFIT_CAPTIONS = [
    "A dog barks loudly while cars pass by.",
    "Birds are chirping in the trees.",
    "Rain falls steadily on a tin roof.",
    "A man speaks and a door slams shut.",
]


@pytest.fixture(scope="module")
def overfit():
    """A tiny decoder trained to map 4 fixed audio sequences (lengths 8, 5, 7, 3) to 4 captions."""
    tok = train_tokenizer(OVERFIT_CAPTIONS, vocab_size=320, min_frequency=1)
    labels, lmask = encode_captions(tok, OVERFIT_CAPTIONS, max_length=64)
    torch.manual_seed(0)
    dec = AudioBartDecoder(build_decoder(vocab_size=len(tok), d_model=D, decoder_layers=2,
                                         decoder_attention_heads=4, decoder_ffn_dim=64,
                                         dropout=0.0, max_position_embeddings=64))
    audio, amask = _audio([8, 5, 7, 3], seed=3, pad_value=0.0)
    opt = torch.optim.AdamW(dec.parameters(), lr=3e-3)
    losses = []
    dec.train()
    for _ in range(200):
        _, loss = dec(audio, amask, labels, lmask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return tok, dec.eval(), audio, amask, losses


def test_tiny_decoder_overfits_four_captions(overfit):
    tok, dec, audio, amask, losses = overfit
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.4f}")
    assert losses[-1] < 0.05 * losses[0]
    expected = [normalize_caption(c) for c in OVERFIT_CAPTIONS]
    beam = dec.generate(audio, amask, num_beams=4, no_repeat_ngram_size=3, min_length=5)
    greedy = dec.generate(audio, amask, num_beams=1, no_repeat_ngram_size=0, min_length=0)
    assert decode_captions(tok, beam) == expected
    assert decode_captions(tok, greedy) == expected
    # Every generated row is </s> <s> caption </s>: the training shift and generation agree.
    assert (beam[:, 0] == 2).all() and (beam[:, 1] == 0).all()


def test_trained_batched_generation_equals_one_by_one(overfit):
    _, dec, audio, amask, _ = overfit
    noisy = audio.clone()
    noisy[~amask] = 30.0  # padding that would change the captions if it leaked through
    _assert_batched_equals_single(dec, noisy, amask)
    _assert_batched_equals_single(dec, noisy, amask, num_beams=1)


def test_dcase_size_parameter_count():
    V, Dm, F, layers, P = 5000, 768, 3072, 6, 1024
    bart = build_decoder(vocab_size=V, d_model=Dm, decoder_layers=layers,
                         decoder_attention_heads=12, decoder_ffn_dim=F)
    n = sum(p.numel() for p in bart.parameters())  # tied embeddings counted once
    attention = 4 * (Dm * Dm + Dm)
    layer = 2 * attention + (Dm * F + F) + (F * Dm + Dm) + 3 * 2 * Dm
    positions = (P + 2) * Dm  # BART's learned positions carry an offset of 2
    expected = V * Dm + 2 * (positions + 2 * Dm) + layers * layer
    print(f"DCASE-size decoder (vocab {V}): {n:,} parameters")
    assert n == expected == 62_129_664
