"""The pretrained sound-effects CNN: a pinned aisfx wheel, read without running pickled code.

The encoder of the embedded corpus is the CNN that Alison B. Ma and Alexander Lerch trained on
professional sound-effects libraries ("Representation Learning for the Automatic Indexing of
Sound Effects Libraries", ISMIR 2022, https://doi.org/10.5281/zenodo.7316800), released in the
``aisfx`` package (https://github.com/alisonbma/aisfx). The pretrained model is licensed under
Creative Commons Attribution 4.0 (CC BY 4.0) and the package's code under MIT; cite the paper
when you use these weights. The package itself is never installed (its wheel pins numpy 1.23
and librosa 0.9): this module only reads the weights that ship inside its wheel.

1. :func:`fetch_wheel` gets the pinned wheel (:data:`AISFX`: name, version, URL, size and
   SHA-256) with ``pip download`` where pip works (it honours the machine's index and proxy),
   else over HTTPS from files.pythonhosted.org, and checks its SHA-256 before anything reads it.
   A wrong file is removed, and the error is one line naming the file and both digests.
2. :func:`read_checkpoint` reads ``aisfx/models/checkpoint.pth`` (a torch zip holding
   ``(state_dict, ds_dict)``, with numpy integers in ``ds_dict``) with a restricted unpickler:
   only the globals such a file needs (tensor rebuilding, storages, ``OrderedDict``, numpy
   integer scalars) resolve, to local stand-ins; any other global (``os.system``, ...) is
   refused by name and never looked up, let alone called.
3. :func:`sfx_weights` converts the trunk (``conv_block1..4``; the classifier heads ``fc.*``
   of the cross-dataset training are dropped) once to safetensors, beside the wheel, with a
   JSON sidecar that records the source wheel's SHA-256. Later loads read the safetensors only.

Everything lives in ``<data root>/pretrained/`` (``$ADL_DATA_ROOT``, else ``./data``):
the wheel, ``aisfx-0.1.2-trunk.safetensors`` and ``aisfx-0.1.2-trunk.json``.

Example::

    from adl.models.aisfx import load_sfx_weights
    from adl.models.encoder import SfxCnnEncoder
    encoder = SfxCnnEncoder()
    load_sfx_weights(encoder)          # fetches and converts on first use
"""

from __future__ import annotations

import collections
import http.client
import io
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from adl.errors import DownloadError, one_line
from adl.io import atomic_path, sha256_file, write_json
from adl.models.checkpoints import CheckpointError, state_mismatch
from adl.runs import up_to_date

__all__ = ["AISFX", "CACHE_DIRNAME", "Fetcher", "WheelPin", "cached_wheel", "default_fetch",
           "fetch_wheel", "load_sfx_file", "load_sfx_weights", "pretrained_dir",
           "read_checkpoint", "sfx_weights", "trunk_state_dict"]

#: Folder under the data root that holds pretrained weights.
CACHE_DIRNAME = "pretrained"
TIMEOUT_S = 120.0
PIP_TIMEOUT_S = 900.0
#: Version of the converted file's layout; a sidecar of another format is converted again.
SIDECAR_FORMAT = 1
_CHUNK = 1 << 20

CITATION = ("Alison B. Ma and Alexander Lerch, \"Representation Learning for the Automatic "
            "Indexing of Sound Effects Libraries\", ISMIR 2022")
LICENSE = "CC BY 4.0 (pretrained model); MIT (aisfx code)"


@dataclass(frozen=True)
class WheelPin:
    """One exact wheel on PyPI and the checkpoint inside it.

    Attributes:
        name: the distribution name (``aisfx``).
        version: the exact version.
        filename: the wheel's file name.
        url: its address on files.pythonhosted.org.
        size: its size in bytes.
        sha256: its SHA-256, as PyPI lists it.
        member: the checkpoint's path inside the wheel.
    """

    name: str
    version: str
    filename: str
    url: str
    size: int
    sha256: str
    member: str = "aisfx/models/checkpoint.pth"

    @property
    def label(self) -> str:
        """``name version``, as messages name it."""
        return f"{self.name} {self.version}"

    @property
    def stem(self) -> str:
        """``name-version``: the prefix of the converted files."""
        return f"{self.name}-{self.version}"


#: The aisfx 0.1.2 wheel (ISMIR 2022 model "X-Sequential-CE", 4.7M trunk parameters).
AISFX = WheelPin(
    name="aisfx", version="0.1.2", filename="aisfx-0.1.2-py2.py3-none-any.whl",
    url=("https://files.pythonhosted.org/packages/fd/db/"
         "25d653f8beeae1277c77da6fbfbc8965ad599afd4218e901406d69cf5551/"
         "aisfx-0.1.2-py2.py3-none-any.whl"),
    size=23_140_952,
    sha256="bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194")

Fetcher = Callable[[WheelPin, Path], None]
"""Writes a pin's wheel to the given path (or raises ``OSError``). The caller verifies it."""


# --------------------------------------------------------------------------------------------
# Fetching


def pretrained_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``<data root>/pretrained``: the root, else ``$ADL_DATA_ROOT``, else ``./data``."""
    from adl.config import data_root  # config reads YAML: only when a root is resolved

    return data_root(root).expanduser() / CACHE_DIRNAME


def fetch_pip(pin: WheelPin, dest: Path, *, timeout: float = PIP_TIMEOUT_S) -> None:
    """``pip download NAME==VERSION --no-deps --only-binary :all:`` into a scratch folder beside
    ``dest``, then move the wheel to ``dest``. Raises ``OSError`` with pip's last error line."""
    scratch = Path(tempfile.mkdtemp(prefix=".pip-", dir=dest.parent))
    try:
        cmd = [sys.executable, "-m", "pip", "download", f"{pin.name}=={pin.version}",
               "--no-deps", "--only-binary", ":all:", "--disable-pip-version-check", "-q",
               "-d", str(scratch)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OSError(f"pip download timed out after {timeout:.0f} s") from None
        got = scratch / pin.filename
        if proc.returncode != 0 or not got.is_file():
            lines = [ln for ln in (proc.stderr or proc.stdout or "").splitlines() if ln.strip()]
            errors = [ln for ln in lines if ln.startswith("ERROR")] or lines[-1:]
            raise OSError(f"pip download failed: {errors[-1] if errors else proc.returncode}")
        os.replace(got, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def fetch_https(pin: WheelPin, dest: Path, *, timeout: float = TIMEOUT_S) -> None:
    """Stream the wheel from ``pin.url`` into ``dest``."""
    with urllib.request.urlopen(pin.url, timeout=timeout) as resp, open(dest, "wb") as f:
        shutil.copyfileobj(resp, f, _CHUNK)


def default_fetch(pin: WheelPin, dest: Path) -> None:
    """``pip download`` first, then HTTPS from ``pin.url``. Raises ``OSError`` naming why each
    way failed."""
    reasons = []
    try:
        fetch_pip(pin, dest)
        return
    except OSError as err:
        reasons.append(one_line(err, limit=160))
    try:
        fetch_https(pin, dest)
        return
    except urllib.error.HTTPError as err:
        reasons.append(f"HTTP {err.code} from {pin.url}")
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        reasons.append(f"{pin.url}: {one_line(err, limit=160)}")
    raise OSError("; ".join(reasons))


def _manual_hint(pin: WheelPin, folder: Path) -> str:
    return (f"run `pip download {pin.name}=={pin.version} --no-deps -d {folder}` on a machine "
            f"with internet, or download {pin.url}, and put {pin.filename} in {folder}")


def cached_wheel(pin: WheelPin = AISFX, root: str | os.PathLike[str] | None = None,
                 ) -> Path | None:
    """The cached wheel if its SHA-256 is right, else None (a wrong copy is deleted)."""
    path = pretrained_dir(root) / pin.filename
    if not path.is_file():
        return None
    if sha256_file(path) == pin.sha256:
        return path
    path.unlink()
    return None


def fetch_wheel(pin: WheelPin = AISFX, root: str | os.PathLike[str] | None = None, *,
                fetch: Fetcher | None = None) -> Path:
    """The verified wheel in ``<data root>/pretrained/``, fetched only if not already there.

    Args:
        pin: the wheel to fetch (:data:`AISFX`).
        root: the data root (None: ``$ADL_DATA_ROOT``, else ``./data``).
        fetch: writes the wheel to a given path (default :func:`default_fetch`).

    Raises:
        DownloadError: the fetch failed (one line saying what to fetch and where to put it), or
            the file's SHA-256 differs (one line naming the file and both digests; the file is
            removed).
    """
    folder = pretrained_dir(root)
    dest = folder / pin.filename
    existed = dest.is_file()
    if existed and cached_wheel(pin, root) is not None:
        return dest
    removed = existed  # a wrong copy was there, and cached_wheel deleted it
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp:
        try:
            (fetch or default_fetch)(pin, tmp)
        except (OSError, urllib.error.URLError, http.client.HTTPException) as err:
            reason = one_line(err)
            if removed:
                reason += f" (the cached {pin.filename} had the wrong sha256 and was removed)"
            raise DownloadError(f"cannot fetch {pin.label} ({reason}); "
                                f"{_manual_hint(pin, folder)}") from None
        got = sha256_file(tmp)
        if got != pin.sha256:
            size = tmp.stat().st_size
            # Raising inside atomic_path removes the temporary file: nothing bad is kept.
            raise DownloadError(f"checksum mismatch for {dest}: sha256 {got} ({size} bytes), "
                                f"expected {pin.sha256} ({pin.size} bytes); the file was "
                                "removed")
    return dest


# --------------------------------------------------------------------------------------------
# Reading the checkpoint without running pickled code


class _Refused(pickle.UnpicklingError):
    """The pickle asked for something outside the allowed few; ``what`` says what."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class _Sealed:
    """What ``find_class`` hands out: no attribute can be set, and a pickle's BUILD on it is
    refused, so a file cannot alter the stand-ins (or their defaults) for later loads."""

    __slots__ = ()
    label = "object"

    def __setattr__(self, key: str, value: Any) -> None:
        raise _Refused(f"refused to set {key!r} on {self.label}")

    def __setstate__(self, state: Any) -> None:
        raise _Refused(f"refused to set the state of {self.label}")


class _Storage(_Sealed):
    """Stands in for a torch storage class (``torch.FloatStorage``, ...): only its dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: torch.dtype) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "dtype", dtype)

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"torch.{self.name}"


class _Function(_Sealed):
    """Stands in for an allowed function: calls a local implementation of it."""

    __slots__ = ("label", "_fn")

    def __init__(self, label: str, fn: Callable[..., Any]) -> None:
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "_fn", fn)

    def __call__(self, *args: Any) -> Any:
        return self._fn(*args)


_STORAGES = {name: _Storage(name, dtype) for name, dtype in (
    ("FloatStorage", torch.float32), ("DoubleStorage", torch.float64),
    ("HalfStorage", torch.float16), ("BFloat16Storage", torch.bfloat16),
    ("LongStorage", torch.int64), ("IntStorage", torch.int32), ("ShortStorage", torch.int16),
    ("CharStorage", torch.int8), ("ByteStorage", torch.uint8), ("BoolStorage", torch.bool),
    ("UntypedStorage", torch.uint8))}

# numpy dtype codes a pickled numpy scalar may name (integers, floats, bools).
_NUMPY_CODES = frozenset(f"{k}{n}" for k in "iuf" for n in (1, 2, 4, 8)) | {"b1", "?"}


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any,
                    backward_hooks: Any, metadata: Any = None) -> torch.Tensor:
    """``torch._utils._rebuild_tensor_v2`` for a flat tensor made from the storage's bytes."""
    if not isinstance(storage, torch.Tensor) or storage.dim() != 1:
        raise pickle.UnpicklingError("a tensor is not built on a storage")
    if not (isinstance(offset, int) and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and all(isinstance(v, int) for v in size + stride)):
        raise pickle.UnpicklingError("a tensor has a malformed size or stride")
    if backward_hooks:
        raise pickle.UnpicklingError("a tensor carries backward hooks")
    # as_strided refuses a view past the storage's end.
    return torch.as_strided(storage, size, stride, offset).clone()


def _numpy_dtype(spec: Any, align: Any = False, copy: Any = True) -> np.dtype:
    """``numpy.dtype`` for the plain numeric codes a pickled scalar uses, always a copy (the
    pickle's BUILD then sets its byte order on the copy, not on numpy's shared instance)."""
    if spec not in _NUMPY_CODES:
        raise pickle.UnpicklingError(f"refused numpy dtype {spec!r}")
    return np.dtype(spec, bool(align), True)


def _numpy_scalar(dtype: Any, data: Any = None) -> int | float | bool:
    """``numpy.core.multiarray.scalar``: a numeric numpy scalar from its bytes, as a Python
    number."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf" or \
            not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise pickle.UnpicklingError("refused a numpy scalar that is not a plain number")
    return np.frombuffer(data, dtype=dtype)[0].item()


def _latin1_encode(text: Any, encoding: Any = "utf-8") -> bytes:
    """``_codecs.encode``, which pickles use to carry bytes as latin-1 text; nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("refused _codecs.encode other than str -> latin1")
    return text.encode("latin1")


#: (module, name) -> the local stand-in returned instead of the real object. OrderedDict is the
#: real class: a C type, which a pickle can neither alter nor use to run anything.
_ALLOWED: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _Function("torch._utils._rebuild_tensor_v2",
                                                      _rebuild_tensor),
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("numpy.core.multiarray", "scalar"): _Function("numpy.core.multiarray.scalar",
                                                   _numpy_scalar),
    ("numpy._core.multiarray", "scalar"): _Function("numpy._core.multiarray.scalar",
                                                    _numpy_scalar),
    ("numpy", "dtype"): _Function("numpy.dtype", _numpy_dtype),
    ("_codecs", "encode"): _Function("_codecs.encode", _latin1_encode),
    **{("torch", name): storage for name, storage in _STORAGES.items()},
}


class _WeightsUnpickler(pickle.Unpickler):
    """Resolves only :data:`_ALLOWED`; storages are read from the torch zip's ``data/`` files."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(io.BytesIO(data))
        self._archive, self._prefix = archive, prefix
        self._storages: dict[str, torch.Tensor] = {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _Refused(f"refused to unpickle the global {module}.{name}") from None

    def persistent_load(self, pid: Any) -> torch.Tensor:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _Storage) and isinstance(pid[2], str)
                and isinstance(pid[4], int)):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r:.80}")
        _, kind, key, _location, numel = pid
        if key not in self._storages:
            raw = bytearray(self._archive.read(f"{self._prefix}data/{key}"))
            itemsize = torch.empty((), dtype=kind.dtype).element_size()
            if len(raw) != numel * itemsize:
                raise pickle.UnpicklingError(f"storage data/{key} holds {len(raw)} bytes, "
                                             f"expected {numel * itemsize}")
            flat = torch.frombuffer(raw, dtype=kind.dtype) if raw else \
                torch.empty(0, dtype=kind.dtype)
            self._storages[key] = flat
        return self._storages[key]


def _load_torch_zip(raw: bytes, source: str) -> Any:
    """Unpickle a ``torch.save`` zip archive held in memory with :class:`_WeightsUnpickler`."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        pkls = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pkls) != 1:
            raise CheckpointError(f"{source}: not a torch checkpoint (no data.pkl)")
        prefix = pkls[0][: -len("data.pkl")]
        if f"{prefix}byteorder" in archive.namelist() and \
                archive.read(f"{prefix}byteorder").strip() != b"little":
            raise CheckpointError(f"{source}: big-endian checkpoints are not supported")
        return _WeightsUnpickler(archive.read(pkls[0]), archive, prefix).load()


def read_checkpoint(path: str | os.PathLike[str], *, member: str | None = AISFX.member,
                    ) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read aisfx's ``(state_dict, ds_dict)`` without running any pickled code.

    Args:
        path: the wheel (a zip) holding ``member``, or the ``checkpoint.pth`` itself with
            ``member=None``.
        member: the checkpoint's path inside the wheel.

    Returns:
        ``(state_dict, ds_dict)``: the tensors by name, and aisfx's
        ``{dataset: (index, n_classes)}`` with its numpy integers as Python ints.

    Raises:
        CheckpointError: one line naming the file: it is truncated or corrupt, lacks the
            member, holds something other than a state dict, or references a global outside
            the allowed few (named in the message; it is never imported or called).
    """
    path = Path(path)
    source = f"{path}:{member}" if member else str(path)
    try:
        if member:
            with zipfile.ZipFile(path) as wheel:
                raw = wheel.read(member)
        else:
            raw = path.read_bytes()
        obj = _load_torch_zip(raw, source)
    except CheckpointError:
        raise
    except _Refused as err:
        raise CheckpointError(f"{source}: {err.what} (only tensors, OrderedDict and numpy "
                              "numbers are allowed); nothing was executed") from None
    except KeyError as err:
        raise CheckpointError(f"{source}: missing from the archive ({one_line(err)}); "
                              "truncated or corrupt file?") from None
    except (zipfile.BadZipFile, pickle.UnpicklingError, EOFError, OSError, ValueError,
            TypeError, RuntimeError, IndexError, AttributeError) as err:
        raise CheckpointError(f"{source}: truncated or corrupt checkpoint "
                              f"({type(err).__name__}: {one_line(err, limit=160)})") from None
    if not (isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[0], Mapping)
            and all(isinstance(k, str) and isinstance(v, torch.Tensor)
                    for k, v in obj[0].items())):
        raise CheckpointError(f"{source}: expected aisfx's (state_dict, ds_dict), got "
                              f"{type(obj).__name__}")
    state, ds_dict = dict(obj[0]), obj[1]
    if not isinstance(ds_dict, Mapping):
        raise CheckpointError(f"{source}: its ds_dict is a {type(ds_dict).__name__}, not a dict")
    return state, {str(k): tuple(v) if isinstance(v, tuple) else v for k, v in ds_dict.items()}


def trunk_state_dict(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The embedding net's trunk under :class:`adl.models.encoder.SfxCnnEncoder`'s names.

    ``embedding_net.conv_block{1..4}.*`` lose their prefix; the classifier heads ``fc.*`` of
    aisfx's cross-dataset training (one per training library) are dropped.

    Raises:
        CheckpointError: no ``embedding_net.conv_block`` keys, or keys of another kind.
    """
    prefix = "embedding_net."
    trunk = {k[len(prefix):]: v.contiguous() for k, v in state.items()
             if k.startswith(prefix + "conv_block")}
    other = sorted(k for k in state if not k.startswith((prefix + "conv_block", "fc.")))
    if not trunk or other:
        what = f"unexpected keys {', '.join(other[:3])}" if other else "no trunk keys"
        raise CheckpointError(f"not aisfx's CrossNet state dict ({what})")
    return trunk


# --------------------------------------------------------------------------------------------
# The converted weights


def _converted(pin: WheelPin, root: str | os.PathLike[str] | None) -> tuple[Path, Path]:
    folder = pretrained_dir(root)
    return folder / f"{pin.stem}-trunk.safetensors", folder / f"{pin.stem}-trunk.json"


def sfx_weights(root: str | os.PathLike[str] | None = None, *, pin: WheelPin = AISFX,
                fetch: Fetcher | None = None) -> Path:
    """The converted trunk weights (safetensors), fetching and converting on first use.

    A conversion is reused when its sidecar names ``pin``'s SHA-256 and the safetensors file's
    own SHA-256 still matches the sidecar's; otherwise the wheel is fetched (unless cached),
    verified, read with :func:`read_checkpoint` and converted again. The safetensors file is
    written first and the sidecar last, both atomically, so an interrupted conversion is never
    taken for a finished one.

    Args:
        root: the data root (None: ``$ADL_DATA_ROOT``, else ``./data``).
        pin: the wheel (:data:`AISFX`).
        fetch: how to fetch the wheel (tests pass a local one).

    Returns:
        ``<data root>/pretrained/<name>-<version>-trunk.safetensors``.

    Raises:
        DownloadError: offline without a cached wheel, or a checksum mismatch.
        CheckpointError: the wheel's checkpoint cannot be read safely.
    """
    from safetensors.torch import save_file

    weights, sidecar = _converted(pin, root)
    meta = up_to_date(sidecar, {"format": SIDECAR_FORMAT, "source_sha256": pin.sha256},
                      requires=[weights])
    if meta is not None and meta.get("sha256") == sha256_file(weights):
        return weights
    wheel = fetch_wheel(pin, root, fetch=fetch)
    state, ds_dict = read_checkpoint(wheel, member=pin.member)
    try:
        trunk = trunk_state_dict(state)
    except CheckpointError as err:
        raise CheckpointError(f"{wheel}:{pin.member}: {err}") from None
    with atomic_path(weights) as tmp:
        save_file(trunk, str(tmp), metadata={"source": pin.filename,
                                             "source_sha256": pin.sha256,
                                             "license": LICENSE, "citation": CITATION})
    heads = {k: int(v[1]) for k, v in ds_dict.items()
             if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], int)}
    write_json(sidecar, {
        "format": SIDECAR_FORMAT, "model": "sfx_cnn trunk (aisfx EmbeddingNet)",
        "source": pin.filename, "source_url": pin.url, "source_sha256": pin.sha256,
        "member": pin.member, "sha256": sha256_file(weights),
        "parameters": int(sum(v.numel() for k, v in trunk.items() if not k.endswith(
            ("running_mean", "running_var", "num_batches_tracked")))),
        "dropped_heads": heads, "license": LICENSE, "citation": CITATION})
    return weights


def load_sfx_weights(encoder: torch.nn.Module, root: str | os.PathLike[str] | None = None, *,
                     pin: WheelPin = AISFX, fetch: Fetcher | None = None) -> Path:
    """Fill an :class:`adl.models.encoder.SfxCnnEncoder` with the pretrained trunk.

    Args:
        encoder: the encoder (width 64 for :data:`AISFX`); an optional tagging head
            (``fc.*``) keeps its initial values.
        root, pin, fetch: as in :func:`sfx_weights`.

    Returns:
        The safetensors file the weights came from.

    Raises:
        CheckpointError: the file's keys or shapes do not fit the encoder (one line naming the
            file and the first offending keys).
        DownloadError: as in :func:`sfx_weights`.
    """
    path = sfx_weights(root, pin=pin, fetch=fetch)
    load_sfx_file(encoder, path)
    return path


def load_sfx_file(encoder: torch.nn.Module, path: Path) -> None:
    """Fill an :class:`adl.models.encoder.SfxCnnEncoder` from converted trunk weights
    (:func:`sfx_weights`); its tagging head (``fc.*``) keeps its initial values.

    Raises:
        CheckpointError: the file cannot be read, or its keys or shapes do not fit the encoder.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        state = load_file(str(path))
    except (SafetensorError, OSError) as err:
        raise CheckpointError(f"cannot read {path} ({one_line(err)})") from None
    own = encoder.state_dict()
    problem = state_mismatch(own, state, [k for k in own if k.startswith("fc.")])
    if problem:
        raise CheckpointError(f"{path} does not fit {type(encoder).__name__} (width "
                              f"{getattr(encoder, 'width', '?')}): {problem}")
    encoder.load_state_dict({k: state.get(k, v) for k, v in own.items()}, strict=True)
