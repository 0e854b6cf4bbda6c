"""Models: the audio encoders, the adapter, the BART decoder and the captioner that joins them.

Notebook: 02_encoder_decoder
"""

from adl.models.captioner import Captioner, build_captioner
from adl.models.checkpoints import CheckpointError, load_panns_checkpoint
from adl.models.encoder import (
    Adapter,
    AudioEncoder,
    Cnn14Encoder,
    SmallCnnEncoder,
    build_encoder,
    lengths_to_mask,
)

__all__ = [
    "Adapter",
    "AudioEncoder",
    "Captioner",
    "CheckpointError",
    "Cnn14Encoder",
    "SmallCnnEncoder",
    "build_captioner",
    "build_encoder",
    "lengths_to_mask",
    "load_panns_checkpoint",
]
