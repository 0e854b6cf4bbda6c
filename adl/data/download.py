"""Download Clotho v2.1 and ESC-50 into the layouts that the loaders read (needs internet).

Clotho v2.1 comes from Zenodo record 4783391. Each file is checked against the MD5 that
aac-datasets records (``src/aac_datasets/datasets/functional/clotho.py``, ``_CLOTHO_LINKS``;
soundata's Clotho loader lists the same values). ESC-50 comes from GitHub's archive of the
``master`` branch, which has no published checksum (the archive is rebuilt by GitHub and changes
with every commit), so it is checked by content instead: every zip member's CRC-32, the
metadata CSV with :data:`ESC50_N_CLIPS` rows, and one audio file per row.

Every file is streamed to ``<name>.part`` and renamed into place only once it is verified, so an
interrupted download never leaves a file that looks complete.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import io
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from pathlib import Path

from adl.data.clotho import load_clotho, normalize_subset
from adl.data.esc50 import load_esc50
from adl.data.layout import CLOTHO_AUDIO_DIR, CLOTHO_CSV_DIR, CLOTHO_DIR, CLOTHO_SUBSETS, ESC50_DIR
from adl.errors import DataError, DownloadError, one_line

# Module constants so that tests can point them at local files.
CLOTHO_URL_TEMPLATE = "https://zenodo.org/records/4783391/files/{fname}?download=1"
CLOTHO_MD5: dict[str, str] = {
    "clotho_audio_development.7z": "c8b05bc7acdb13895bb3c6a29608667e",
    "clotho_captions_development.csv": "d4090b39ce9f2491908eebf4d5b09bae",
    "clotho_metadata_development.csv": "170d20935ecfdf161ce1bb154118cda5",
    "clotho_audio_validation.7z": "7dba730be08bada48bd15dc4e668df59",
    "clotho_captions_validation.csv": "5879e023032b22a2c930aaa0528bead4",
    "clotho_metadata_validation.csv": "2e010427c56b1ce6008b0f03f41048ce",
    "clotho_audio_evaluation.7z": "4569624ccadf96223f19cb59fe4f849f",
    "clotho_captions_evaluation.csv": "1b16b9e57cf7bdb7f13a13802aeb57e2",
    "clotho_metadata_evaluation.csv": "13946f054d4e1bf48079813aac61bf77",
}
ESC50_URL = "https://github.com/karoldvl/ESC-50/archive/master.zip"
ESC50_N_CLIPS = 2000
TIMEOUT_S = 60.0
PY7ZR_PIN = "py7zr==1.1.4"
_CHUNK = 1 << 20


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _fetch_error(name: str, url: str, err: BaseException) -> DownloadError:
    if isinstance(err, urllib.error.HTTPError):
        return DownloadError(f"cannot fetch {name} from {url}: HTTP {err.code} {one_line(err)}")
    return DownloadError(f"cannot fetch {name} from {url}: {one_line(err)} "
                         f"(downloading needs internet access)")


def download_file(url: str, dest: str | os.PathLike[str], md5: str | None = None, *,
                  progress: bool = True) -> Path:
    """Download ``url`` to ``dest`` through ``dest.part``, checking its MD5 if given.

    A ``dest`` already present with the right MD5 is kept without a download. Without ``md5``
    an existing ``dest`` is always fetched again (there is nothing to check it against).

    Raises:
        DownloadError: the URL cannot be fetched (one line naming it), or the MD5 differs
            (the bad file is deleted; both checksums are named).
    """
    dest = Path(dest)
    name = dest.name
    if md5 is not None and dest.is_file():
        if _md5(dest) == md5:
            return dest
        dest.unlink()  # a corrupted earlier download: fetch it again
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    h = hashlib.md5()
    try:
        try:
            resp = urllib.request.urlopen(url, timeout=TIMEOUT_S)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            raise _fetch_error(name, url, err) from None
        with resp, open(part, "wb") as f:
            total = int(resp.headers.get("Content-Length") or 0)
            done, last = 0, 0.0
            while True:
                try:
                    chunk = resp.read(_CHUNK)
                except (OSError, http.client.HTTPException) as err:
                    raise _fetch_error(name, url, err) from None
                if not chunk:
                    break
                f.write(chunk)
                h.update(chunk)
                done += len(chunk)
                if progress and time.monotonic() - last > 0.5:
                    last = time.monotonic()
                    _progress(name, done, total)
        if progress:
            _progress(name, done, total, end="\n")
        got = h.hexdigest()
        if md5 is not None and got != md5:
            raise DownloadError(f"checksum mismatch for {name} from {url}: expected md5 {md5}, "
                                f"got {got}; the file was deleted")
        os.replace(part, dest)
    finally:
        # Whatever went wrong, never leave a partial or unverified file behind.
        part.unlink(missing_ok=True)
    return dest


def _progress(name: str, done: int, total: int, end: str = "") -> None:
    mb = done / 1e6
    if total:
        line = f"\rdownloading {name}: {mb:.1f}/{total / 1e6:.1f} MB ({100 * done // total}%)"
    else:
        line = f"\rdownloading {name}: {mb:.1f} MB"
    print(line, end=end, file=sys.stderr, flush=True)


def _move_wavs(src: Path, dest: Path) -> None:
    """Move every .wav under ``src`` (any depth) into a fresh ``dest`` folder."""
    fresh = dest.with_name(f".{dest.name}.new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    for wav in src.rglob("*.wav"):
        os.replace(wav, fresh / wav.name)
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(fresh, dest)


def _extract_7z(archive: Path, dest: Path) -> None:
    """Extract the wavs of a Clotho .7z into ``dest`` (replacing an incomplete one)."""
    try:
        import py7zr
    except ImportError:
        raise DownloadError(f"extracting {archive.name} needs the package py7zr: "
                            f"pip install {PY7ZR_PIN}") from None
    tmp = dest.parent / f".{dest.name}.extract"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with py7zr.SevenZipFile(archive, mode="r") as z:
            z.extractall(path=tmp)
        _move_wavs(tmp, dest)
    except (py7zr.exceptions.ArchiveError, py7zr.exceptions.AbsolutePathError) as err:
        raise DownloadError(f"cannot extract {archive}: {one_line(err)}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def download_clotho(root: str | os.PathLike[str], *,
                    subsets: Iterable[str] = CLOTHO_SUBSETS,
                    keep_archives: bool = False, progress: bool = True) -> Path:
    """Download Clotho v2.1 into ``root`` in the aac-datasets layout, checking MD5s.

    A subset that already loads (CSV and every audio file present) skips its archive, so
    calling this again is cheap. Each subset is checked with :func:`load_clotho` at the end.

    Args:
        root: the data root; ``root/CLOTHO_v2.1`` is created.
        subsets: which subsets to fetch (aliases dev/val/eval accepted; one name is fine).
        keep_archives: keep the .7z files (4.5 GB for development) after extraction.
        progress: print a progress line to stderr.

    Returns:
        The ``root/CLOTHO_v2.1`` folder.

    Raises:
        DownloadError: offline, bad checksum, missing py7zr, or an archive that does not
            yield the subset's audio.
    """
    root = Path(root).expanduser()
    base = root / CLOTHO_DIR
    csv_dir = base / CLOTHO_CSV_DIR
    if isinstance(subsets, str):  # one name, not its characters
        subsets = (subsets,)
    for subset in [normalize_subset(s) for s in subsets]:
        for kind in ("captions", "metadata"):
            fname = f"clotho_{kind}_{subset}.csv"
            download_file(CLOTHO_URL_TEMPLATE.format(fname=fname), csv_dir / fname,
                          CLOTHO_MD5[fname], progress=progress)
        try:
            load_clotho(root, subset)
            continue  # already extracted earlier
        except DataError:
            pass
        fname = f"clotho_audio_{subset}.7z"
        try:
            import py7zr  # noqa: F401  (fail before a multi-GB download, not after it)
        except ImportError:
            raise DownloadError(f"extracting {fname} needs the package py7zr: "
                                f"pip install {PY7ZR_PIN}") from None
        archive = download_file(CLOTHO_URL_TEMPLATE.format(fname=fname),
                                base / "archives" / fname, CLOTHO_MD5[fname],
                                progress=progress)
        _extract_7z(archive, base / CLOTHO_AUDIO_DIR / subset)
        try:
            load_clotho(root, subset)
        except DataError as err:
            raise DownloadError(f"after extracting {archive}: {err}") from None
        if not keep_archives:
            archive.unlink()
    return base


def _check_esc50_zip(path: Path) -> str:
    """Check a downloaded ESC-50 zip by content; return the member prefix of its top folder."""
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()  # CRC-32 of every member: catches a corrupted download
            if bad is not None:
                raise DownloadError(f"{path} is corrupt: member {bad} fails its CRC check")
            names = set(z.namelist())
            metas = [n for n in names if n.endswith("meta/esc50.csv")]
            if len(metas) != 1:
                raise DownloadError(f"{path} holds no single meta/esc50.csv "
                                    f"(found {len(metas)})")
            prefix = metas[0][: -len("meta/esc50.csv")]
            text = z.read(metas[0]).decode("utf-8", errors="replace")
    except zipfile.BadZipFile as err:
        raise DownloadError(f"{path} is not a valid zip archive: {one_line(err)}") from None
    table = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    if not table or "filename" not in table[0]:
        raise DownloadError(f"{path}: meta/esc50.csv has no filename column")
    col = table[0].index("filename")
    files = [r[col] for r in table[1:] if len(r) > col]
    if len(files) != ESC50_N_CLIPS:
        raise DownloadError(f"{path}: meta/esc50.csv has {len(files)} rows, "
                            f"expected {ESC50_N_CLIPS}")
    absent = [f for f in files if f"{prefix}audio/{f}" not in names]
    if absent:
        raise DownloadError(f"{path}: {len(absent)} audio file(s) listed in meta/esc50.csv are "
                            f"not in the archive, e.g. {absent[0]!r}")
    return prefix


def download_esc50(root: str | os.PathLike[str], *, keep_archive: bool = False,
                   progress: bool = True) -> Path:
    """Download ESC-50 into ``root/ESC-50-master`` and check it by content.

    GitHub publishes no checksum for the branch archive, so the zip is verified by its
    members' CRC-32, its metadata (:data:`ESC50_N_CLIPS` rows) and one audio file per row;
    a bad archive is deleted. An ESC-50 that already loads with all its clips is kept.

    Returns:
        The ``root/ESC-50-master`` folder.

    Raises:
        DownloadError: offline, or the archive fails the content check.
    """
    root = Path(root).expanduser()
    dest = root / ESC50_DIR
    try:
        if len(load_esc50(dest)) == ESC50_N_CLIPS:
            return dest
    except DataError:
        pass
    archive = download_file(ESC50_URL, root / "ESC-50-master.zip", progress=progress)
    try:
        prefix = _check_esc50_zip(archive)
    except DownloadError:
        archive.unlink(missing_ok=True)
        raise
    tmp = root / f".{ESC50_DIR}.extract"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as z:
            z.extractall(tmp)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp / prefix if prefix else tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    try:
        load_esc50(dest)
    except DataError as err:
        raise DownloadError(f"after extracting {archive}: {err}") from None
    if not keep_archive:
        archive.unlink()
    return dest
