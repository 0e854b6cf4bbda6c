"""Fetch pinned Debian packages and extract only their audio, in pure Python.

The embedded corpus is built from real recordings that ship in freely licensed Debian packages
(:mod:`adl.corpus.sources` pins which ones). This module is the source layer under it:

1. :func:`fetch_deb` gets one pinned ``.deb`` (package, version, SHA-256, pool path) with
   ``apt-get download NAME=VERSION`` where apt exists, otherwise over HTTPS from the Debian
   archive, and last from snapshot.debian.org by its SHA-1 (the archive drops a version once a
   newer one supersedes it; the snapshot keeps every file for good), and checks the SHA-256.
   A cached file whose checksum matches is never fetched again; a download is written beside
   its destination and renamed into place only once it is verified
   (:func:`adl.io.atomic_path`), so a partial file never looks complete.
2. :func:`extract_audio` reads the ``.deb`` itself: an ``ar`` archive (global header
   ``!<arch>\\n``, then 60-byte member headers) that holds ``data.tar.{xz,gz,zst}``. It keeps
   only the audio members (``.ogg .oga .wav .flac .mp3``) that match the requested paths, plus
   the package's copyright file for provenance. Tar names that are absolute or climb out with
   ``..`` are refused. OpenTTD's sample catalogue (``*.cat``) is decoded into one WAV per sample.
3. Everything lives under ``<root>/debian-cache/``: the ``.deb`` files in ``debs/`` and each
   extraction in ``<package>_<version>/``. An extraction is written into a staging folder, its
   marker (``.complete.json``) is written after every audio file, and only then is the folder
   renamed into place, so an interrupted run never leaves a folder that passes as complete.

Why pure Python: ``dpkg-deb`` does not exist off Debian, and the corpus must build on any
machine with Python. The one optional helper is ``zstd`` (or the ``zstandard`` module) for the
rare ``data.tar.zst``; Debian's own archive uses xz.

Example::

    from adl.corpus.debian import DebPin, fetch_and_extract
    pin = DebPin("openttd-opensfx", "1.0.3-2", "2898b467...", "pool/main/o/openttd-opensfx/...")
    folder = fetch_and_extract(pin, "data", include=["usr/share/games/openttd/*"])

"""

from __future__ import annotations

import fnmatch
import gzip
import http.client
import io
import json
import lzma
import os
import posixpath
import shutil
import struct
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from adl.errors import DataError, DownloadError, one_line
from adl.io import atomic_path, sha256_file, write_json

# Module constants so that tests can point them elsewhere.
DEBIAN_MIRROR = "https://deb.debian.org/debian"
SNAPSHOT_URL = "https://snapshot.debian.org/file/{sha1}"
CACHE_DIRNAME = "debian-cache"
TIMEOUT_S = 60.0
APT_TIMEOUT_S = 1800.0
AUDIO_SUFFIXES = (".ogg", ".oga", ".wav", ".flac", ".mp3")
CAT_SUFFIX = ".cat"  # OpenTTD's sample catalogue: decoded into one WAV per sample
MARKER = ".complete.json"
MARKER_FORMAT = 1
_CHUNK = 1 << 20

Fetcher = Callable[["DebPin", Path], None]
"""Writes the ``.deb`` of a pin to the given path (or raises). The caller checks the SHA-256."""


@dataclass(frozen=True)
class DebPin:
    """One exact Debian binary package: what to fetch and how to recognise it.

    Attributes:
        package: the binary package name, e.g. ``tuxpaint-stamps-default``.
        version: the exact Debian version, epoch included (``2:1.1-3``).
        sha256: the SHA-256 of the ``.deb`` (from ``apt-cache show``).
        pool_path: its path in the archive, e.g. ``pool/main/t/tuxpaint-stamps/....deb``.
        sha1: the SHA-1 of the ``.deb``, the key snapshot.debian.org files it under (optional;
            only used to fetch, never to verify).
    """

    package: str
    version: str
    sha256: str
    pool_path: str
    sha1: str | None = None

    @property
    def filename(self) -> str:
        """The pool's file name (Debian drops the epoch from it)."""
        return posixpath.basename(self.pool_path)

    @property
    def apt_filename(self) -> str:
        """The name ``apt-get download`` gives the file (the epoch's ``:`` written ``%3a``)."""
        arch = self.filename.rpartition("_")[2]
        return f"{self.package}_{self.version.replace(':', '%3a')}_{arch}"

    @property
    def url(self) -> str:
        """The file's URL on :data:`DEBIAN_MIRROR`."""
        return f"{DEBIAN_MIRROR.rstrip('/')}/{self.pool_path}"

    @property
    def label(self) -> str:
        """``package version``, as error messages name it."""
        return f"{self.package} {self.version}"


@dataclass(frozen=True)
class ArMember:
    """One member of an ``ar`` archive: its name and where its bytes lie in the file."""

    name: str
    offset: int
    size: int


@dataclass(frozen=True)
class CatSample:
    """One sample of an OpenTTD ``.cat``: its index, embedded title/credit line and WAV bytes."""

    index: int
    title: str
    wav: bytes


# --------------------------------------------------------------------------------------------
# Cache layout


def cache_dir(root: str | os.PathLike[str]) -> Path:
    """``<root>/debian-cache``: where the ``.deb`` files and the extracted audio are kept."""
    return Path(root).expanduser() / CACHE_DIRNAME


def debs_dir(root: str | os.PathLike[str]) -> Path:
    """The folder that holds the downloaded ``.deb`` files."""
    return cache_dir(root) / "debs"


def extract_dir(root: str | os.PathLike[str], pin: DebPin) -> Path:
    """The folder that holds the audio extracted from ``pin`` (paths as inside the package)."""
    safe_version = pin.version.replace(":", "%3a")
    return cache_dir(root) / f"{pin.package}_{safe_version}"


def audio_path(folder: str | os.PathLike[str], member: str) -> Path:
    """Where an extracted recording lies in ``folder``.

    ``member`` is a path inside the package, or ``<catalogue>.cat#<index>`` for one sample of
    an OpenTTD catalogue, which is extracted to ``<catalogue>.cat.d/<index:02d>.wav``.
    """
    path, sep, index = member.partition("#")
    if sep:
        return Path(folder) / f"{path}.d" / f"{int(index):02d}.wav"
    return Path(folder) / path


# --------------------------------------------------------------------------------------------
# Fetching


def fetch_https(pin: DebPin, dest: Path, *, mirror: str | None = None,
                timeout: float = TIMEOUT_S) -> None:
    """Stream ``pin``'s ``.deb`` from a Debian mirror (``https://``, or ``file://`` in tests)
    into ``dest``. Raises ``OSError``/``URLError`` as urllib does; the caller words them."""
    url = f"{(mirror or DEBIAN_MIRROR).rstrip('/')}/{pin.pool_path}"
    with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as f:
        shutil.copyfileobj(resp, f, _CHUNK)


def fetch_snapshot(pin: DebPin, dest: Path, *, timeout: float = TIMEOUT_S) -> None:
    """Stream ``pin``'s ``.deb`` from snapshot.debian.org, which keeps every file Debian ever
    published under its SHA-1. Raises ``OSError`` if the pin has no SHA-1."""
    if not pin.sha1:
        raise OSError("no SHA-1 pinned for snapshot.debian.org")
    url = SNAPSHOT_URL.format(sha1=pin.sha1)
    with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as f:
        shutil.copyfileobj(resp, f, _CHUNK)


def fetch_apt(pin: DebPin, dest: Path, *, timeout: float = APT_TIMEOUT_S) -> None:
    """Run ``apt-get download NAME=VERSION`` in a scratch folder beside ``dest`` and move the
    one ``.deb`` it writes to ``dest``. Raises ``OSError`` with apt's last message line."""
    apt = shutil.which("apt-get")
    if apt is None:
        raise OSError("apt-get is not installed")
    scratch = Path(tempfile.mkdtemp(prefix=".apt-", dir=dest.parent))
    try:
        try:
            proc = subprocess.run([apt, "download", f"{pin.package}={pin.version}"],
                                  cwd=scratch, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OSError(f"apt-get download timed out after {timeout:.0f} s") from None
        debs = sorted(scratch.glob("*.deb"))
        if proc.returncode != 0 or len(debs) != 1:
            lines = [ln for ln in (proc.stderr or proc.stdout or "").splitlines()
                     if ln.startswith("E:")] or (proc.stderr or "").splitlines()[-1:]
            reason = lines[-1] if lines else f"exit status {proc.returncode}"
            raise OSError(f"apt-get download failed: {reason}")
        os.replace(debs[0], dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def default_fetch(pin: DebPin, dest: Path) -> None:
    """Fetch with apt-get where it exists (it honours the machine's mirrors and proxies), then
    over HTTPS from :data:`DEBIAN_MIRROR`, then from snapshot.debian.org (when the pin has a
    SHA-1). Raises ``OSError`` naming why each way failed."""
    reasons = []
    if shutil.which("apt-get"):
        try:
            fetch_apt(pin, dest)
            return
        except OSError as err:
            reasons.append(one_line(err, limit=160))
    ways: list[tuple[str, Callable[[DebPin, Path], None]]] = [(pin.url, fetch_https)]
    if pin.sha1:
        ways.append((SNAPSHOT_URL.format(sha1=pin.sha1), fetch_snapshot))
    for url, way in ways:
        try:
            way(pin, dest)
            return
        except urllib.error.HTTPError as err:
            reasons.append(f"HTTP {err.code} from {url}")
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            reasons.append(f"{url}: {one_line(err, limit=160)}")
    raise OSError("; ".join(reasons))


def _offline_error(pin: DebPin, reason: str, folder: Path) -> DownloadError:
    return DownloadError(
        f"cannot fetch {pin.label}: {one_line(reason)}; download it with "
        f"`apt-get download {pin.package}={pin.version}` or from "
        f"https://deb.debian.org/debian/{pin.pool_path}, and put it in {folder}")


def _cache_lookup(pin: DebPin, root: str | os.PathLike[str]) -> tuple[Path | None, list[str]]:
    """The verified cached ``.deb`` (or None) and the names of wrong copies it removed."""
    folder, removed = debs_dir(root), []
    for name in dict.fromkeys((pin.filename, pin.apt_filename)):
        path = folder / name
        if path.is_file():
            if sha256_file(path) == pin.sha256:
                return path, removed
            path.unlink()
            removed.append(name)
    return None, removed


def cached_deb(pin: DebPin, root: str | os.PathLike[str]) -> Path | None:
    """The cached ``.deb`` of ``pin`` if one with the right SHA-256 is present, else None.

    Both names are accepted: the pool's and the one ``apt-get download`` writes. A file with
    the wrong checksum is deleted (it is a stale or damaged copy)."""
    return _cache_lookup(pin, root)[0]


def fetch_deb(pin: DebPin, root: str | os.PathLike[str], *,
              fetch: Fetcher | None = None) -> Path:
    """The verified ``.deb`` of ``pin`` in the cache, fetched only if not already there.

    Args:
        pin: the package to fetch.
        root: the data root; the file goes to ``<root>/debian-cache/debs/<pool file name>``.
        fetch: writes the ``.deb`` to a given path (default :func:`default_fetch`).

    Raises:
        DownloadError: the fetch failed (one line naming the package, the ``apt-get`` command,
            the URL and the folder to put a manual download in), or the fetched file's
            SHA-256 differs (the file is removed; the message names package and file).
    """
    hit, removed = _cache_lookup(pin, root)
    if hit is not None:
        return hit
    folder = debs_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / pin.filename
    with atomic_path(dest) as tmp:
        try:
            (fetch or default_fetch)(pin, tmp)
        except (OSError, urllib.error.URLError, http.client.HTTPException) as err:
            reason = one_line(err)
            if removed:  # say so, or a user who put a wrong file there is left guessing
                reason += f" (the cached {removed[0]} had the wrong sha256 and was removed)"
            raise _offline_error(pin, reason, folder) from None
        got = sha256_file(tmp)
        if got != pin.sha256:
            # Raising inside atomic_path removes the temporary file: nothing bad is kept.
            raise DownloadError(f"checksum mismatch for {pin.label}: {dest.name} has sha256 "
                                f"{got}, expected {pin.sha256}; the file was removed")
    return dest


# --------------------------------------------------------------------------------------------
# Reading a .deb


def read_ar(path: str | os.PathLike[str]) -> list[ArMember]:
    """The members of an ``ar`` archive (the container of a ``.deb``).

    Format: the global header ``!<arch>\\n``, then per member a 60-byte header (name 16, mtime
    12, uid 6, gid 6, mode 8, size 10, magic ``\\x60\\n``) followed by ``size`` bytes, padded
    to an even offset. GNU names end in ``/``.

    Raises:
        DataError: not an ``ar`` archive, or a header or member runs past the end of the file.
    """
    path = Path(path)
    size = path.stat().st_size
    members: list[ArMember] = []
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise DataError(f"{path} is not a Debian package (no ar header)")
        pos = 8
        while pos < size:
            header = f.read(60)
            if len(header) < 60 or header[58:60] != b"`\n":
                raise DataError(f"{path} is truncated or corrupt: bad ar member header at "
                                f"byte {pos}")
            name = header[:16].decode("ascii", "replace").rstrip()
            if name.endswith("/") and name != "/":
                name = name[:-1]
            try:
                length = int(header[48:58].decode("ascii").strip())
            except ValueError:
                raise DataError(f"{path} is corrupt: bad size in ar member {name!r}") from None
            start = pos + 60
            if start + length > size:
                raise DataError(f"{path} is truncated: ar member {name!r} needs {length} bytes "
                                f"at byte {start}, the file has {size}")
            members.append(ArMember(name, start, length))
            pos = start + length + (length & 1)
            f.seek(pos)
    return members


class _Slice(io.RawIOBase):
    """A read-only, seekable window ``[offset, offset + size)`` of an open binary file."""

    def __init__(self, f: IO[bytes], offset: int, size: int) -> None:
        super().__init__()
        self._f, self._start, self._size, self._pos = f, offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, min(self._size, base + pos))
        return self._pos

    def readinto(self, buf: Any) -> int:
        n = min(len(buf), self._size - self._pos)
        if n <= 0:
            return 0
        self._f.seek(self._start + self._pos)
        data = self._f.read(n)
        buf[:len(data)] = data
        self._pos += len(data)
        return len(data)


def _zstd_stream(raw: IO[bytes], scratch: Path) -> IO[bytes]:
    """Decompress a ``data.tar.zst`` with the ``zstandard`` module, else the ``zstd`` command
    (Python 3.11 has no zstd of its own), into a temporary file in ``scratch``."""
    out = tempfile.TemporaryFile(dir=scratch)
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        zstandard = None
    if zstandard is not None:
        zstandard.ZstdDecompressor().copy_stream(raw, out)
    else:
        exe = shutil.which("zstd")
        if exe is None:
            out.close()
            raise DataError("this package's data is zstd-compressed (data.tar.zst) and neither "
                            "the zstandard module nor the zstd command is available: "
                            "install one (apt-get install zstd)")
        with tempfile.TemporaryFile(dir=scratch) as errf:
            # stderr goes to a file, not a pipe: a full pipe would stall zstd while we write.
            proc = subprocess.Popen([exe, "-dc"], stdin=subprocess.PIPE, stdout=out, stderr=errf)
            assert proc.stdin is not None
            try:
                shutil.copyfileobj(raw, proc.stdin, _CHUNK)
            except BrokenPipeError:
                pass
            proc.stdin.close()
            if proc.wait() != 0:
                errf.seek(0)
                err = errf.read().decode("utf-8", "replace")
                out.close()
                raise zlib.error(f"zstd: {one_line(err) or 'decompression failed'}")
    out.seek(0)
    return out


def _open_data_tar(deb: Path, f: IO[bytes], members: list[ArMember],
                   scratch: Path) -> tuple[str, IO[bytes]]:
    """The name of the ``data.tar*`` member and a decompressed, readable stream of it."""
    data = [m for m in members if m.name.startswith("data.tar")]
    if not data:
        names = ", ".join(m.name for m in members) or "nothing"
        raise DataError(f"{deb} holds no data.tar member (found {names})")
    member = data[0]
    raw = io.BufferedReader(_Slice(f, member.offset, member.size), _CHUNK)
    if member.name == "data.tar.xz" or member.name == "data.tar.lzma":
        return member.name, lzma.LZMAFile(raw)  # type: ignore[return-value]
    if member.name == "data.tar.gz":
        return member.name, gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if member.name == "data.tar.zst":
        return member.name, _zstd_stream(raw, scratch)
    if member.name == "data.tar":
        return member.name, raw
    raise DataError(f"{deb}: unsupported data member {member.name}")


def _safe_name(name: str) -> str | None:
    """A tar member name as a clean relative path (``.`` for the root entry ``./``), or None
    if it is absolute or climbs out with ``..``."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    if any(p == ".." for p in name.split("/")):
        return None
    return posixpath.normpath(name or ".")


def _wanted(name: str, include: Sequence[str] | None) -> bool:
    if not name.lower().endswith(AUDIO_SUFFIXES + (CAT_SUFFIX,)):
        return False
    return include is None or any(fnmatch.fnmatchcase(name, g) for g in include)


def read_opensfx_cat(data: bytes, *, source: str = "catalogue") -> list[CatSample]:
    """Decode an OpenTTD sample catalogue (``opensfx.cat``, ``sample.cat``).

    The format, as OpenTTD's ``sound.cpp`` reads it: a table of little-endian ``uint32``
    pairs ``(offset, size)``, one per sample; the first offset, with its top bit (the "new
    format" flag) cleared, is also the table's length in bytes. At each offset lies one byte
    ``n``, an ``n``-byte NUL-terminated title (OpenSFX writes the credits and licence there),
    then a RIFF/WAVE file of ``size`` bytes.

    Raises:
        DataError: the table or a sample runs past the end, or a sample is not RIFF/WAVE.
    """
    if len(data) < 8:
        raise DataError(f"{source} is truncated: {len(data)} bytes")
    first = struct.unpack_from("<I", data, 0)[0] & 0x7FFFFFFF
    if first % 8 or first < 8 or first > len(data):
        raise DataError(f"{source} is not an OpenTTD sample catalogue (table size {first})")
    samples = []
    for i in range(first // 8):
        off, size = struct.unpack_from("<II", data, 8 * i)
        off &= 0x7FFFFFFF
        if off >= len(data):
            raise DataError(f"{source} is truncated: sample {i} starts past the end")
        n = data[off]
        title = data[off + 1:off + 1 + n].split(b"\0", 1)[0].decode("utf-8", "replace")
        start = off + 1 + n
        wav = data[start:start + size]
        if len(wav) < size or wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
            raise DataError(f"{source} is truncated or corrupt: sample {i} is not a "
                            f"complete RIFF/WAVE file")
        samples.append(CatSample(i, title, wav))
    return samples


def _copy_member(tar: tarfile.TarFile, info: tarfile.TarInfo, dest: Path) -> None:
    src = tar.extractfile(info)
    if src is None:
        raise tarfile.ReadError(f"{info.name} has no data")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, _CHUNK)


def _write_cat(tar: tarfile.TarFile, info: tarfile.TarInfo, name: str, stage: Path,
               label: str) -> list[str]:
    src = tar.extractfile(info)
    if src is None:
        raise tarfile.ReadError(f"{info.name} has no data")
    with src:
        samples = read_opensfx_cat(src.read(), source=f"{label}: {name}")
    written, index = [], {}
    for s in samples:
        member = f"{name}#{s.index}"
        path = audio_path(stage, member)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s.wav)
        written.append(member)
        index[str(s.index)] = {"title": s.title, "file": path.name}
    write_json(audio_path(stage, f"{name}#0").parent / "index.json", index)
    return written


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())


def read_marker(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The completion marker of an extraction folder, or None if it is absent or unreadable."""
    path = Path(folder) / MARKER
    try:
        with open(path, encoding="utf-8") as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def is_complete(folder: str | os.PathLike[str], pin: DebPin,
                include: Sequence[str] | None = None) -> bool:
    """True when ``folder`` holds a finished extraction of ``pin`` for the same ``include``
    and every file its marker lists is present."""
    marker = read_marker(folder)
    if (marker is None or marker.get("format") != MARKER_FORMAT
            or marker.get("sha256") != pin.sha256
            or marker.get("include") != (sorted(include) if include is not None else None)):
        return False
    files = marker.get("files")
    return isinstance(files, list) and all(audio_path(folder, m).is_file() for m in files)


def extract_audio(pin: DebPin, deb: str | os.PathLike[str], dest: str | os.PathLike[str], *,
                  include: Sequence[str] | None = None) -> Path:
    """Extract the audio of one ``.deb`` into ``dest`` (paths as inside the package).

    Only members with an audio suffix (:data:`AUDIO_SUFFIXES`, any case) or an OpenTTD
    ``.cat`` are written, and only those matching one of ``include`` (``fnmatch`` globs on the
    path inside the package, no leading ``./``; :func:`exact` turns literal paths into them). The
    copyright file ``usr/share/doc/<package>/copyright`` is always kept. Links are followed
    within the archive. The folder is built under a staging name, the marker
    (:data:`MARKER`) is written after every file, and the folder is then renamed to ``dest``
    (replacing an older one).

    Returns:
        ``dest``.

    Raises:
        DataError: the archive is truncated or corrupt, a member cannot be read, a tar name is
            absolute or climbs out with ``..``, or an ``include`` pattern matched nothing. The
            message is one line naming the package and the file.
    """
    deb, dest = Path(deb), Path(dest)
    include = list(include) if include is not None else None
    dest.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    copyright_name = f"usr/share/doc/{pin.package}/copyright"
    files: list[str] = []
    matched: set[str] = set()
    current = deb.name
    try:
        members = read_ar(deb)
        with open(deb, "rb") as f:
            data_name, stream = _open_data_tar(deb, f, members, dest.parent)
            current = f"{deb.name}:{data_name}"
            links: list[tuple[tarfile.TarInfo, str]] = []
            with stream, tarfile.open(fileobj=stream, mode="r:") as tar:
                for info in _iter_tar(tar):
                    name = _safe_name(info.name)
                    if name is None:
                        raise DataError(f"{pin.label}: {deb.name} holds an unsafe path "
                                        f"{info.name!r} (absolute or with '..'); refused")
                    is_copyright = name == copyright_name
                    if not (is_copyright or _wanted(name, include)):
                        continue
                    if include is not None and not is_copyright:
                        matched.update(g for g in include if fnmatch.fnmatchcase(name, g))
                    # Name the compressed member too: corruption inside it surfaces while a
                    # file of it is read.
                    current = f"{deb.name}:{data_name}:{name}"
                    if info.islnk() or info.issym():
                        links.append((info, name))  # read after the pass: no backward seeks
                    elif not info.isfile():
                        continue
                    elif name.lower().endswith(CAT_SUFFIX):
                        files.extend(_write_cat(tar, info, name, stage, pin.label))
                    else:
                        _copy_member(tar, info, stage / name)
                        if not is_copyright:
                            files.append(name)
                for info, name in links:
                    current = f"{deb.name}:{data_name}:{name}"
                    target = stage / name
                    _copy_member(tar, info, target)  # tarfile resolves it inside the archive
                    if name != copyright_name:
                        files.append(name)
        if include is not None:
            missing = [g for g in include if g not in matched]
            if missing:
                raise DataError(f"{pin.label}: {deb.name} has no audio member matching "
                                f"{missing[0]!r}" + (f" (and {len(missing) - 1} more)"
                                                     if len(missing) > 1 else ""))
        _fsync_tree(stage)
        # Written last: a folder without it (or with another pin's) is never used.
        write_json(stage / MARKER, {
            "format": MARKER_FORMAT, "package": pin.package, "version": pin.version,
            "sha256": pin.sha256, "include": sorted(include) if include is not None else None,
            "copyright": copyright_name if (stage / copyright_name).is_file() else None,
            "files": sorted(files)})
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(stage, dest)
    except DataError as err:
        shutil.rmtree(stage, ignore_errors=True)
        msg = str(err)
        raise DataError(msg if msg.startswith(pin.label) else f"{pin.label}: {msg}") from None
    except (tarfile.TarError, lzma.LZMAError, zlib.error, EOFError, OSError, KeyError) as err:
        shutil.rmtree(stage, ignore_errors=True)
        raise DataError(f"{pin.label}: cannot read {current} (truncated or corrupt archive?): "
                        f"{one_line(err)}") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return dest


def _iter_tar(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """Iterate a tar's members in stream order (so each member is read without seeking back)."""
    while True:
        info = tar.next()
        if info is None:
            return
        yield info


def fetch_and_extract(pin: DebPin, root: str | os.PathLike[str], *,
                      include: Sequence[str] | None = None,
                      fetch: Fetcher | None = None) -> Path:
    """Fetch ``pin`` (unless cached) and extract its audio (unless already done).

    A finished extraction of the same pin and ``include`` is reused without touching the
    ``.deb`` (which may then be deleted to save space). Returns the extraction folder,
    ``<root>/debian-cache/<package>_<version>``; see :func:`audio_path` for the files in it.

    Raises:
        DownloadError: offline or a checksum mismatch (see :func:`fetch_deb`).
        DataError: a corrupt archive or a missing member (see :func:`extract_audio`).
    """
    folder = extract_dir(root, pin)
    if is_complete(folder, pin, include):
        return folder
    deb = fetch_deb(pin, root, fetch=fetch)
    return extract_audio(pin, deb, folder, include=include)


def exact(paths: Iterable[str]) -> list[str]:
    """``fnmatch`` patterns that match exactly these paths (``*?[`` escaped); a catalogue
    sample ``x.cat#3`` asks for the whole catalogue ``x.cat``."""
    out = []
    for p in paths:
        p = p.partition("#")[0]
        out.append("".join(f"[{c}]" if c in "*?[" else c for c in p))
    return sorted(set(out))


__all__ = [
    "AUDIO_SUFFIXES", "ArMember", "CatSample", "DebPin", "Fetcher", "audio_path", "cache_dir",
    "cached_deb", "debs_dir", "default_fetch", "exact", "extract_audio", "extract_dir",
    "fetch_and_extract", "fetch_apt", "fetch_deb", "fetch_https", "fetch_snapshot", "is_complete",
    "read_ar", "read_marker", "read_opensfx_cat", "sha256_file",
]
