"""The exception and warning types of :mod:`adl.metrics`.
"""

from __future__ import annotations

from adl.errors import ADLError


class JavaNotFoundError(ADLError):
    """The Java executable that the coco-caption metrics need cannot be run."""


class MetricError(ADLError):
    """A metric's external program failed or answered something unexpected."""


class UnknownMetricError(ADLError, ValueError):
    """A requested metric name is not one of :data:`METRICS`."""


class MetricUnavailableWarning(UserWarning):
    """A requested metric cannot be computed on this machine (its reason is in ``unavailable``)."""

