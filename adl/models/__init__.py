"""Models: the audio encoders and the adapter to the decoder width.

Notebook: 02_encoder_decoder
"""

from adl.models.encoder import (
    Adapter,
    AudioEncoder,
    CheckpointError,
    Cnn14Encoder,
    SmallCnnEncoder,
    build_encoder,
    lengths_to_mask,
    load_panns_checkpoint,
)

__all__ = [
    "Adapter",
    "AudioEncoder",
    "CheckpointError",
    "Cnn14Encoder",
    "SmallCnnEncoder",
    "build_encoder",
    "lengths_to_mask",
    "load_panns_checkpoint",
]
