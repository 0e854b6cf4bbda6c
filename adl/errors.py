"""The package's own exception types.

Every user-facing problem (a bad file, a bad config value, missing data) raises a subclass of
:class:`ADLError` whose message is one line naming the file or field. The command line prints
it as ``error: <message>`` and exits with status 2, without a traceback.
"""

from __future__ import annotations


class ADLError(Exception):
    """Base class of every error the user can fix (bad input, bad config, missing data)."""


class AudioError(ADLError):
    """An audio file cannot be read or holds unusable samples (corrupt, empty, NaN, ...)."""


class SilentAudioError(AudioError):
    """A signal has no power where mixing needs power (an all-silent clip)."""


class DataError(ADLError):
    """A data set is missing, has the wrong layout, or its metadata is inconsistent."""


class ConfigError(ADLError):
    """A configuration value or key is invalid."""


class DownloadError(ADLError):
    """A download failed (offline, bad checksum, ...)."""
