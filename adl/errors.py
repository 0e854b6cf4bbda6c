"""The package's own exception types.

Every user-facing problem (a bad file, a bad config value, missing data) raises a subclass of
:class:`ADLError` whose message is one line naming the file or field. The command line prints
it as ``error: <message>`` and exits with status 2, without a traceback.
"""

from __future__ import annotations

import re


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


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def one_line(err: BaseException | str, limit: int = 300) -> str:
    """A reason short enough for one ``error: ...`` line.

    Strips terminal colours (IPython and torch colour their messages), folds every run of
    white space (tracebacks and Java errors span many lines) and cuts the text at ``limit``
    characters. An exception with no message gives its type's name; a URL error gives its
    ``reason``.
    """
    if isinstance(err, BaseException):
        text = str(getattr(err, "reason", None) or err)
    else:
        text = str(err)
    text = " ".join(_ANSI.sub("", text).split())
    if not text and isinstance(err, BaseException):
        text = type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
