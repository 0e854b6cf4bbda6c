"""Data files shipped inside the package (YAML), read and checked on load.

A long list that is data, not logic (the corpus's pinned Debian packages, the caption writers'
phrase banks), lives in a YAML file beside the module that uses it. :func:`load_yaml` reads one
and :func:`check_record` checks each record's fields, so that a missing, unknown or mistyped
field is one error line naming the file and the field, e.g.
``.../sources.yaml: sources[3].recordings[5].duration_s: expected a number, got 'long'``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from adl.errors import DataError, one_line

#: What a field may hold: a type or a tuple of types, as :func:`isinstance` takes them.
FieldType = type | tuple[type, ...]

_NAMES = {str: "a string", int: "an integer", float: "a number", list: "a list",
          dict: "a mapping", bool: "true or false"}


def load_yaml(path: str | Path) -> Any:
    """The content of a YAML file (safe loader; libyaml's when it is there).

    Raises:
        DataError: the file cannot be read or is not valid YAML (the message names it).
    """
    path = Path(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe)
    except OSError as err:
        raise DataError(f"{path}: cannot read: {one_line(err)}") from None
    except yaml.YAMLError as err:
        raise DataError(f"{path}: not valid YAML: {one_line(err)}") from None


def _describe(kind: FieldType) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds:
        return "a number"
    return " or ".join(_NAMES.get(k, k.__name__) for k in kinds)


def _fits(value: Any, kind: FieldType) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # YAML's yes/no/true/false are never a number or a string
    if float in kinds and isinstance(value, int):
        return True
    return isinstance(value, kinds)


def check_record(path: str | Path, where: str, record: Any, required: Mapping[str, FieldType],
                 optional: Mapping[str, FieldType] | None = None) -> dict[str, Any]:
    """Check one record of a data file: a mapping with every ``required`` field, no field other
    than those and ``optional`` ones, each of its type (an integer passes for a number).

    Args:
        path: the file, for the message.
        where: the record's place in the file, e.g. ``sources[3]``.
        record: what the file holds there.
        required: field name -> type.
        optional: field name -> type, for fields that may be left out.

    Returns:
        ``record``, unchanged.

    Raises:
        DataError: ``<file>: <where>.<field>: ...`` for the first field that is missing, unknown
            or of another type.
    """
    optional = optional or {}
    if not isinstance(record, dict):
        raise DataError(f"{path}: {where}: expected a mapping, got {record!r:.60}")
    for field in required:
        if field not in record:
            raise DataError(f"{path}: {where}.{field}: missing")
    for field, value in record.items():
        kind = required.get(field, optional.get(field))
        if kind is None:
            known = ", ".join([*required, *optional])
            raise DataError(f"{path}: {where}.{field}: unknown field (known: {known})")
        if not _fits(value, kind):
            raise DataError(f"{path}: {where}.{field}: expected {_describe(kind)}, got "
                            f"{value!r:.60}")
    return record


def string_list(path: str | Path, where: str, items: Any) -> tuple[str, ...]:
    """``items`` as a tuple, after checking that it is a list of strings.

    Raises:
        DataError: ``<file>: <where>: expected a list of strings, ...``.
    """
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise field_error(path, where, f"expected a list of strings, got {items!r:.60}")
    return tuple(items)


def field_error(path: str | Path, where: str, message: str) -> DataError:
    """The error for a field whose value is of the right type but wrong (an unknown class)."""
    return DataError(f"{path}: {where}: {message}")
