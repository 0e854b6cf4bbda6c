"""Models: the audio encoders, the adapter, the BART decoder and the captioner that joins them.

The package imports only its torch-only parts, so a GPU machine without the audio I/O packages
(soundfile, soxr, librosa) can use them; the captioner, which holds the log-mel front end, is
``adl.models.captioner``.

Notebook: 02_encoder_decoder
"""

from adl.models.checkpoints import CheckpointError, load_panns_checkpoint
from adl.models.encoder import (
    Adapter,
    AudioEncoder,
    Cnn14Encoder,
    SfxCnnEncoder,
    SmallCnnEncoder,
    build_encoder,
    lengths_to_mask,
)

__all__ = [
    "Adapter",
    "AudioEncoder",
    "CheckpointError",
    "Cnn14Encoder",
    "SfxCnnEncoder",
    "SmallCnnEncoder",
    "build_encoder",
    "lengths_to_mask",
    "load_panns_checkpoint",
]
