"""Caption normalisation and the BPE tokenizer of the BART decoder.

The DCASE2023 task 6a baseline (felixgontier/dcase-2023-baseline, ``data_loader.py``) normalises
each caption with ``caption.translate(str.maketrans('', '', string.punctuation)).lower()`` and
tokenizes it with the ``facebook/bart-base`` byte-level BPE. That tokenizer cannot be downloaded
here, so :func:`train_tokenizer` trains a small byte-level BPE with BART's special tokens on the
training captions; :func:`load_tokenizer` also reads a local bart-base tokenizer folder.

Example::

    from adl.tokenizer import encode_captions, train_tokenizer
    tok = train_tokenizer(train_captions, vocab_size=5000)
    input_ids, attention_mask = encode_captions(tok, ["A dog barks."], max_length=64)

Notebook: 03_adl_training
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from collections.abc import Iterable
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from adl.errors import ADLError

# BART's special tokens in BART's id order: bos 0, pad 1, eos 2, unk 3 (mask is 4 here; bart-base
# puts it last, at 50264).
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
BOS_ID, PAD_ID, EOS_ID, UNK_ID, MASK_ID = range(5)

# Exactly the characters the DCASE baseline deletes: ASCII punctuation, apostrophes included.
_DELETE_PUNCTUATION = str.maketrans("", "", string.punctuation)


class TokenizerError(ADLError):
    """A tokenizer folder is missing or cannot be read."""


def normalize_caption(text: str) -> str:
    """Lowercase a caption, delete its punctuation and collapse its whitespace.

    This is the DCASE2023 task 6a baseline's rule (felixgontier/dcase-2023-baseline,
    ``data_loader.py``: ``translate(str.maketrans('', '', string.punctuation)).lower()``) plus
    whitespace collapsing, which the baseline leaves to its data. Punctuation is *deleted*, not
    replaced by a space, so ``"man's"`` becomes ``"mans"`` and ``"rain-drops"`` ``"raindrops"``.
    Only ASCII punctuation (``string.punctuation``) is deleted, as in the baseline.

    Args:
        text: a raw caption.

    Returns:
        The normalised caption, without leading or trailing spaces.
    """
    return " ".join(text.translate(_DELETE_PUNCTUATION).lower().split())


def train_tokenizer(captions: Iterable[str], *, vocab_size: int = 5000,
                    min_frequency: int = 2) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE with BART's special tokens on normalised captions.

    Special tokens get BART's ids (``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3, ``<mask>`` 4)
    and every encoded sequence is wrapped as ``<s> ... </s>``, as BART's tokenizer does. Training
    is deterministic: the same captions give the same vocabulary and merges.

    Args:
        captions: raw training captions (normalised here with :func:`normalize_caption`).
        vocab_size: the largest vocabulary, special tokens and the 256 byte symbols included.
        min_frequency: a pair must occur this often to be merged.

    Returns:
        A ``PreTrainedTokenizerFast`` with bos/eos/pad/unk/mask set.

    Notebook: 03_adl_training
    """
    n_base = len(SPECIAL_TOKENS) + len(pre_tokenizers.ByteLevel.alphabet())
    if vocab_size <= n_base:
        raise ValueError(f"vocab_size must exceed {n_base} (special tokens and the 256 bytes) "
                         f"to leave room for merges, got {vocab_size}")
    # Sorting makes the training corpus independent of the order the captions came in.
    texts = sorted(normalize_caption(c) for c in captions)
    if not texts:
        raise TokenizerError("train_tokenizer: no captions to train on")
    tk = Tokenizer(models.BPE(unk_token="<unk>"))
    # No prefix space, as in bart-base: decode(encode(x)) gives x back exactly, without a
    # leading space (the cost is a second form, without "Ġ", of words that start captions).
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tk.train_from_iterator(texts, trainer=trainer)
    tk.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", BOS_ID), ("</s>", EOS_ID)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tk,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        mask_token="<mask>",
        padding_side="right",
    )


def save_tokenizer(tok: PreTrainedTokenizerBase, folder: str | os.PathLike) -> Path:
    """Save a tokenizer into ``folder`` (``save_pretrained``), replacing what was there.

    The files are written into a temporary folder beside ``folder`` and renamed into place, so a
    crash never leaves a half-written tokenizer under the final name.

    Returns:
        The folder.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        tok.save_pretrained(str(tmp))
        if folder.exists():
            # A non-empty folder cannot be renamed over: move it aside first.
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
            os.replace(folder, old / folder.name)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load_tokenizer(folder: str | os.PathLike) -> PreTrainedTokenizerBase:
    """Load a tokenizer saved by :func:`save_tokenizer`, or a local ``facebook/bart-base`` folder.

    Raises:
        TokenizerError: the folder is missing or holds no readable tokenizer (one line).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise TokenizerError(f"tokenizer folder not found: {folder}")
    try:
        tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    except Exception as exc:  # transformers raises many types (OSError, ValueError, JSON errors)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TokenizerError(f"cannot read tokenizer in {folder}: {reason}") from exc
    if tok.pad_token_id is None or tok.eos_token_id is None:
        raise TokenizerError(f"tokenizer in {folder} has no pad or eos token")
    return tok


def encode_captions(tok: PreTrainedTokenizerBase, captions: list[str], *,
                    max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalise and tokenize captions into a padded batch ``<s> ... </s> <pad> ...``.

    Captions longer than ``max_length`` tokens are truncated; the closing ``</s>`` is kept.

    Args:
        tok: a tokenizer from :func:`train_tokenizer` or :func:`load_tokenizer`.
        captions: B raw captions.
        max_length: the largest L, special tokens included.

    Returns:
        ``input_ids`` (B, L) long, padded with the pad id, and ``attention_mask`` (B, L) long,
        1 on tokens and 0 on padding. L is the longest encoded caption, at most ``max_length``.

    Notebook: 03_adl_training
    """
    if max_length < 3:
        raise ValueError(f"max_length must leave room for <s>, a token and </s>, got {max_length}")
    enc = tok([normalize_caption(c) for c in captions], padding="longest", truncation=True,
              max_length=max_length, return_tensors="pt")
    return enc["input_ids"].long(), enc["attention_mask"].long()


def decode_captions(tok: PreTrainedTokenizerBase, token_ids: torch.Tensor) -> list[str]:
    """Turn token ids (B, L), e.g. from ``AudioBartDecoder.generate``, back into captions.

    Special tokens (start, ``<s>``, ``</s>``, padding) are dropped and spaces are tidied.

    Returns:
        B strings.
    """
    texts = tok.batch_decode(token_ids, skip_special_tokens=True,
                             clean_up_tokenization_spaces=False)
    return [" ".join(t.split()) for t in texts]
