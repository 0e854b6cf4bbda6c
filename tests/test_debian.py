"""The Debian source layer and the pinned source manifest.

Every test builds its own small ``.deb`` in the real format (an ``ar`` archive holding
``debian-binary``, ``control.tar.gz`` and ``data.tar.{xz,gz,zst}``), with a few tiny WAV and
Ogg files written by soundfile and a copyright file. No test touches the network: fetching is
done by fake fetchers, or by urllib from a ``file://`` mirror.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import re
import shutil
import struct
import subprocess
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from adl.corpus import debian
from adl.corpus.debian import (DebPin, audio_path, cached_deb, debs_dir, exact, extract_audio,
                               extract_dir, fetch_and_extract, fetch_deb, is_complete, read_ar,
                               read_opensfx_cat)
from adl.corpus.sources import (BACKGROUND, BACKGROUND_KINDS, EVENT_CLASSES, MIN_RECORDINGS,
                                SHORT_CLASSES, SOURCES, backgrounds_by_kind, complete_classes,
                                download_size, fetch_sources, recordings_by_class)
from adl.errors import DataError, DownloadError

PKG = "adl-test-sounds"
VERSION = "1:0.1-2"
POOL = f"pool/main/a/{PKG}/{PKG}_0.1-2_all.deb"
SR = 8000
ROOT_DIR = "usr/share/games/adl-test/"


# -- building real .deb files -------------------------------------------------------------------


def _audio(fmt: str, freq: float, seconds: float = 0.2) -> bytes:
    t = np.arange(int(SR * seconds)) / SR
    buf = io.BytesIO()
    sf.write(buf, (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), SR, format=fmt)
    return buf.getvalue()


def _tar(entries: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for e in entries:
            if isinstance(e, tarfile.TarInfo):
                tar.addfile(e)
            else:
                name, data = e
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _dir(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info


def _ar(members: list[tuple[str, bytes]]) -> bytes:
    out = bytearray(b"!<arch>\n")
    for name, data in members:
        header = (name.ljust(16) + "0".ljust(12) + "0".ljust(6) + "0".ljust(6)
                  + "100644".ljust(8) + str(len(data)).ljust(10)).encode() + b"`\n"
        assert len(header) == 60
        out += header + data + (b"\n" if len(data) % 2 else b"")
    return bytes(out)


WAV = _audio("WAV", 440.0)
OGG = _audio("OGG", 660.0, seconds=0.5)
FLAC = _audio("FLAC", 880.0)
COPYRIGHT = b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n" \
            b"Files: *\nLicense: CC0-1.0\n"


def default_files() -> list[tarfile.TarInfo | tuple[str, bytes]]:
    return [
        _dir("./"), _dir("./usr/"), _dir(f"./{ROOT_DIR}"), _dir(f"./{ROOT_DIR}sounds/"),
        (f"./{ROOT_DIR}sounds/dog.wav", WAV),
        (f"./{ROOT_DIR}sounds/rain.ogg", OGG),
        (f"./{ROOT_DIR}sounds/BELL.WAV", WAV[:-2] + b"\0\0"),
        (f"./{ROOT_DIR}music/theme.flac", FLAC),
        (f"./{ROOT_DIR}sounds/readme.txt", b"not audio"),
        (f"./{ROOT_DIR}textures/wall.png", b"\x89PNG not audio"),
        (f"./usr/share/doc/{PKG}/copyright", COPYRIGHT),
        (f"./usr/share/doc/{PKG}/changelog.gz", gzip.compress(b"changes")),
    ]


def make_deb(path: Path, files=None, *, compression: str = "xz") -> Path:
    """Write a .deb in the real format: ar(debian-binary, control.tar.gz, data.tar.*)."""
    data = _tar(default_files() if files is None else files)
    if compression == "xz":
        packed = lzma.compress(data, format=lzma.FORMAT_XZ)
    elif compression == "gz":
        packed = gzip.compress(data)
    elif compression == "zst":
        packed = subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True,
                                check=True).stdout
    else:
        raise ValueError(compression)
    control = gzip.compress(_tar([("./control", f"Package: {PKG}\nVersion: {VERSION}\n"
                                                f"Architecture: all\n".encode())]))
    path.write_bytes(_ar([("debian-binary", b"2.0\n"), ("control.tar.gz", control),
                          (f"data.tar.{compression}", packed)]))
    return path


def pin_for(deb: Path) -> DebPin:
    return DebPin(PKG, VERSION, hashlib.sha256(deb.read_bytes()).hexdigest(), POOL)


class CountingFetch:
    """A fetcher that copies a local .deb and counts its calls."""

    def __init__(self, source: Path) -> None:
        self.source, self.calls = source, 0

    def __call__(self, pin: DebPin, dest: Path) -> None:
        self.calls += 1
        shutil.copyfile(self.source, dest)


@pytest.fixture
def deb(tmp_path: Path) -> Path:
    return make_deb(tmp_path / "pkg.deb")


def _leftovers(folder: Path) -> list[str]:
    """Temporary or staging files that must never survive an operation."""
    return sorted(p.name for p in folder.rglob("*")
                  if p.name.endswith((".tmp", ".partial")) or p.name.startswith(".apt-"))


# -- ar and extraction --------------------------------------------------------------------------


def test_read_ar_lists_the_members_of_a_deb(deb):
    members = read_ar(deb)
    assert [m.name for m in members] == ["debian-binary", "control.tar.gz", "data.tar.xz"]
    raw = deb.read_bytes()
    first = members[0]
    assert raw[first.offset:first.offset + first.size] == b"2.0\n"


@pytest.mark.parametrize("compression", ["xz", "gz"])
def test_extract_keeps_only_audio_and_the_copyright_file(tmp_path, compression):
    deb = make_deb(tmp_path / f"pkg-{compression}.deb", compression=compression)
    out = extract_audio(pin_for(deb), deb, tmp_path / "out")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted([
        debian.MARKER, f"{ROOT_DIR}music/theme.flac", f"{ROOT_DIR}sounds/BELL.WAV",
        f"{ROOT_DIR}sounds/dog.wav", f"{ROOT_DIR}sounds/rain.ogg",
        f"usr/share/doc/{PKG}/copyright"])
    assert (out / f"{ROOT_DIR}sounds/dog.wav").read_bytes() == WAV
    assert sf.info(str(out / f"{ROOT_DIR}sounds/rain.ogg")).samplerate == SR
    assert (out / f"usr/share/doc/{PKG}/copyright").read_bytes() == COPYRIGHT
    assert debian.read_marker(out)["copyright"] == f"usr/share/doc/{PKG}/copyright"
    assert is_complete(out, pin_for(deb))


def test_extract_honours_include_globs(deb, tmp_path):
    include = exact([f"{ROOT_DIR}sounds/dog.wav"]) + [f"{ROOT_DIR}music/*"]
    out = extract_audio(pin_for(deb), deb, tmp_path / "out", include=include)
    assert debian.read_marker(out)["files"] == [f"{ROOT_DIR}music/theme.flac",
                                                f"{ROOT_DIR}sounds/dog.wav"]
    assert not (out / f"{ROOT_DIR}sounds/rain.ogg").exists()
    assert (out / f"usr/share/doc/{PKG}/copyright").is_file()  # always kept
    assert is_complete(out, pin_for(deb), include)
    assert not is_complete(out, pin_for(deb), None)  # another selection: not this one


def test_an_include_that_matches_nothing_is_an_error(deb, tmp_path):
    with pytest.raises(DataError, match=r"adl-test-sounds 1:0.1-2: .*no audio member matching "
                                        r"'usr/share/games/adl-test/sounds/cat.wav'"):
        extract_audio(pin_for(deb), deb, tmp_path / "out",
                      include=[f"{ROOT_DIR}sounds/cat.wav"])
    assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []


def test_exact_escapes_glob_characters():
    assert exact(["a/b[1]*.ogg", "x.cat#3", "x.cat#4"]) == ["a/b[[]1][*].ogg", "x.cat"]


def test_links_inside_the_archive_are_followed(tmp_path):
    hard = tarfile.TarInfo(f"./{ROOT_DIR}sounds/dog_copy.wav")
    hard.type, hard.linkname = tarfile.LNKTYPE, f"./{ROOT_DIR}sounds/dog.wav"
    soft = tarfile.TarInfo(f"./{ROOT_DIR}sounds/dog_link.wav")
    soft.type, soft.linkname = tarfile.SYMTYPE, "dog.wav"
    deb = make_deb(tmp_path / "links.deb", default_files() + [hard, soft])
    out = extract_audio(pin_for(deb), deb, tmp_path / "out")
    assert (out / f"{ROOT_DIR}sounds/dog_copy.wav").read_bytes() == WAV
    assert (out / f"{ROOT_DIR}sounds/dog_link.wav").read_bytes() == WAV
    assert not (out / f"{ROOT_DIR}sounds/dog_link.wav").is_symlink()


@pytest.mark.skipif(shutil.which("zstd") is None, reason="needs the zstd command to build one")
def test_a_zstd_data_member_is_read(tmp_path):
    deb = make_deb(tmp_path / "pkg-zst.deb", compression="zst")
    out = extract_audio(pin_for(deb), deb, tmp_path / "out")
    assert (out / f"{ROOT_DIR}sounds/dog.wav").read_bytes() == WAV


def test_zstd_without_any_decompressor_says_what_to_install(tmp_path, monkeypatch):
    deb = tmp_path / "pkg-zst.deb"
    deb.write_bytes(_ar([("debian-binary", b"2.0\n"), ("control.tar.gz", b""),
                         ("data.tar.zst", b"\x28\xb5\x2f\xfd not really")]))
    monkeypatch.setattr(debian.shutil, "which", lambda name: None)
    monkeypatch.setitem(__import__("sys").modules, "zstandard", None)  # import fails
    with pytest.raises(DataError) as exc:
        extract_audio(pin_for(deb), deb, tmp_path / "out")
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(f"{PKG} {VERSION}: ")
    assert "zstd" in msg and "apt-get install zstd" in msg


# -- corrupt archives and unsafe names ----------------------------------------------------------


def _one_line_naming(err: BaseException, *names: str) -> str:
    msg = str(err)
    assert "\n" not in msg
    for name in names:
        assert name in msg, (name, msg)
    return msg


@pytest.mark.parametrize("keep", [5, 100, 0.6])
def test_a_truncated_deb_fails_in_one_line(deb, tmp_path, keep):
    raw = deb.read_bytes()
    cut = tmp_path / "cut.deb"
    cut.write_bytes(raw[:int(keep * len(raw)) if isinstance(keep, float) else keep])
    with pytest.raises(DataError) as exc:
        extract_audio(pin_for(deb), cut, tmp_path / "out")
    _one_line_naming(exc.value, PKG, "cut.deb")
    assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []


def test_a_corrupt_compressed_member_fails_in_one_line(deb, tmp_path):
    raw = bytearray(deb.read_bytes())
    data = read_ar(deb)[-1]
    for i in range(data.offset + data.size // 3, data.offset + data.size // 3 + 64):
        raw[i] ^= 0xFF  # same sizes, garbage inside the xz stream
    bad = tmp_path / "bad.deb"
    bad.write_bytes(bytes(raw))
    with pytest.raises(DataError) as exc:
        extract_audio(pin_for(deb), bad, tmp_path / "out")
    _one_line_naming(exc.value, PKG, "bad.deb", "data.tar.xz")


def test_not_a_deb_at_all(tmp_path):
    junk = tmp_path / "junk.deb"
    junk.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(DataError) as exc:
        extract_audio(DebPin(PKG, VERSION, "0" * 64, POOL), junk, tmp_path / "out")
    _one_line_naming(exc.value, PKG, "junk.deb", "ar header")


@pytest.mark.parametrize("evil", ["../evil.wav", "./usr/../../evil.wav", "/tmp/abs-evil.wav"])
def test_path_traversal_is_refused(tmp_path, evil):
    deb = make_deb(tmp_path / "evil.deb", default_files() + [(evil, WAV)])
    with pytest.raises(DataError, match="unsafe path") as exc:
        extract_audio(pin_for(deb), deb, tmp_path / "cache" / "out")
    _one_line_naming(exc.value, PKG, "evil.deb")
    assert not (tmp_path / "evil.wav").exists() and not (tmp_path / "cache/evil.wav").exists()
    assert not (tmp_path / "cache" / "out").exists()
    assert _leftovers(tmp_path) == []


def test_an_interrupted_extraction_is_never_complete(deb, tmp_path, monkeypatch):
    pin, out = pin_for(deb), tmp_path / "out"
    real = debian._copy_member
    calls = {"n": 0}

    def dying(tar, info, dest):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # e.g. Ctrl-C halfway through
        real(tar, info, dest)

    monkeypatch.setattr(debian, "_copy_member", dying)
    with pytest.raises(KeyboardInterrupt):
        extract_audio(pin, deb, out)
    assert not out.exists() and _leftovers(tmp_path) == []
    assert not is_complete(out, pin)
    monkeypatch.setattr(debian, "_copy_member", real)
    extract_audio(pin, deb, out)
    assert is_complete(out, pin)


def test_a_folder_without_a_valid_marker_is_not_complete(deb, tmp_path):
    pin = pin_for(deb)
    out = extract_audio(pin, deb, tmp_path / "out")
    assert is_complete(out, pin)
    (out / f"{ROOT_DIR}sounds/dog.wav").unlink()  # a file the marker lists went missing
    assert not is_complete(out, pin)
    out = extract_audio(pin, deb, tmp_path / "out")
    other = DebPin(PKG, VERSION, "f" * 64, POOL)  # another build of the package
    assert not is_complete(out, other)
    (out / debian.MARKER).write_text("{not json")
    assert not is_complete(out, pin)
    (out / debian.MARKER).unlink()
    assert not is_complete(out, pin)


# -- OpenTTD sample catalogues ------------------------------------------------------------------


def make_cat(samples: list[tuple[str, bytes]]) -> bytes:
    """An OpenTTD .cat: (offset | 0x80000000, size) pairs, then per sample len, title, RIFF."""
    table = 8 * len(samples)
    body, entries, pos = bytearray(), [], table
    for title, wav in samples:
        name = title.encode() + b"\0"
        entries.append((pos, len(wav)))
        chunk = bytes([len(name)]) + name + wav
        body += chunk
        pos += len(chunk)
    head = b"".join(struct.pack("<II", off | 0x80000000, size) for off, size in entries)
    return head + bytes(body)


def test_an_opensfx_catalogue_becomes_one_wav_per_sample(tmp_path):
    cat = make_cat([('"Cow". By someone. License: Creative Commons Zero 1.0.', WAV),
                    ('"Horn". By another. License: Creative Commons Attribution 3.0.', WAV)])
    samples = read_opensfx_cat(cat)
    assert [(s.index, s.title[:6], s.wav == WAV) for s in samples] == [
        (0, '"Cow".', True), (1, '"Horn"', True)]
    deb = make_deb(tmp_path / "sfx.deb", default_files() + [(f"./{ROOT_DIR}sfx.cat", cat)])
    include = exact([f"{ROOT_DIR}sfx.cat#1"])
    out = extract_audio(pin_for(deb), deb, tmp_path / "out", include=include)
    wav = audio_path(out, f"{ROOT_DIR}sfx.cat#1")
    assert wav == out / f"{ROOT_DIR}sfx.cat.d" / "01.wav"
    assert sf.info(str(wav)).samplerate == SR
    index = (wav.parent / "index.json").read_text()
    assert "Creative Commons Attribution 3.0" in index
    assert debian.read_marker(out)["files"] == [f"{ROOT_DIR}sfx.cat#0", f"{ROOT_DIR}sfx.cat#1"]
    assert is_complete(out, pin_for(deb), include)


def test_a_truncated_catalogue_fails_in_one_line(tmp_path):
    cat = make_cat([("a", WAV), ("b", WAV)])
    with pytest.raises(DataError, match="truncated"):
        read_opensfx_cat(cat[:len(cat) - 100])
    deb = make_deb(tmp_path / "sfx.deb", default_files() + [(f"./{ROOT_DIR}sfx.cat", cat[:30])])
    with pytest.raises(DataError) as exc:
        extract_audio(pin_for(deb), deb, tmp_path / "out")
    _one_line_naming(exc.value, PKG, "sfx.cat")


# -- fetching, checksums and the cache ----------------------------------------------------------


def test_fetch_verifies_and_reuses_the_cached_deb(deb, tmp_path):
    pin, fetch = pin_for(deb), CountingFetch(deb)
    root = tmp_path / "data"
    folder = fetch_and_extract(pin, root, fetch=fetch)
    assert folder == extract_dir(root, pin) == root / "debian-cache" / f"{PKG}_1%3a0.1-2"
    assert (debs_dir(root) / pin.filename).read_bytes() == deb.read_bytes()
    assert fetch.calls == 1
    assert fetch_and_extract(pin, root, fetch=fetch) == folder  # complete: nothing to do
    shutil.rmtree(folder)
    fetch_and_extract(pin, root, fetch=fetch)  # re-extracts from the cached, verified .deb
    assert fetch.calls == 1
    assert fetch_deb(pin, root, fetch=fetch) == debs_dir(root) / pin.filename
    assert fetch.calls == 1
    assert _leftovers(root) == []


def test_the_name_apt_get_gives_is_found_in_the_cache(deb, tmp_path):
    pin = pin_for(deb)
    assert pin.apt_filename == f"{PKG}_1%3a0.1-2_all.deb"
    debs_dir(tmp_path).mkdir(parents=True)
    shutil.copyfile(deb, debs_dir(tmp_path) / pin.apt_filename)  # put there by hand
    fetch = CountingFetch(deb)
    assert fetch_deb(pin, tmp_path, fetch=fetch) == debs_dir(tmp_path) / pin.apt_filename
    assert fetch.calls == 0


def test_a_checksum_mismatch_removes_the_file_and_names_it(deb, tmp_path):
    pin = DebPin(PKG, VERSION, "0" * 64, POOL)
    with pytest.raises(DownloadError) as exc:
        fetch_deb(pin, tmp_path, fetch=CountingFetch(deb))
    msg = _one_line_naming(exc.value, PKG, VERSION, pin.filename, "0" * 64)
    assert "checksum mismatch" in msg
    assert list(debs_dir(tmp_path).iterdir()) == []  # neither the file nor a temporary


def test_a_cached_file_with_the_wrong_checksum_is_fetched_again(deb, tmp_path):
    pin, fetch = pin_for(deb), CountingFetch(deb)
    debs_dir(tmp_path).mkdir(parents=True)
    (debs_dir(tmp_path) / pin.filename).write_bytes(deb.read_bytes()[:1000])  # stale, cut
    assert cached_deb(pin, tmp_path) is None
    assert not (debs_dir(tmp_path) / pin.filename).exists()
    fetch_deb(pin, tmp_path, fetch=fetch)
    assert fetch.calls == 1
    assert cached_deb(pin, tmp_path) == debs_dir(tmp_path) / pin.filename


def test_offline_after_removing_a_wrong_cached_file_says_so(deb, tmp_path):
    pin = pin_for(deb)
    debs_dir(tmp_path).mkdir(parents=True)
    (debs_dir(tmp_path) / pin.apt_filename).write_bytes(b"another version")

    def offline(pin, dest):
        raise OSError("network is unreachable")

    with pytest.raises(DownloadError) as exc:
        fetch_deb(pin, tmp_path, fetch=offline)
    _one_line_naming(exc.value, "network is unreachable",
                     f"the cached {pin.apt_filename} had the wrong sha256 and was removed")


def test_a_partial_download_is_never_used(deb, tmp_path):
    pin = pin_for(deb)

    def dies_halfway(pin, dest):
        dest.write_bytes(deb.read_bytes()[:len(deb.read_bytes()) // 2])
        raise urllib.error.URLError(ConnectionResetError("connection reset by peer"))

    with pytest.raises(DownloadError, match="connection reset"):
        fetch_and_extract(pin, tmp_path, fetch=dies_halfway)
    assert list(debs_dir(tmp_path).iterdir()) == []
    assert cached_deb(pin, tmp_path) is None
    assert not extract_dir(tmp_path, pin).exists()
    fetch = CountingFetch(deb)
    fetch_and_extract(pin, tmp_path, fetch=fetch)
    assert fetch.calls == 1 and is_complete(extract_dir(tmp_path, pin), pin)


def test_offline_fails_in_one_line_with_the_command_and_the_url(deb, tmp_path):
    pin = pin_for(deb)

    def offline(pin, dest):
        raise urllib.error.URLError(OSError(-3, "Temporary failure\nin name resolution"))

    with pytest.raises(DownloadError) as exc:
        fetch_and_extract(pin, tmp_path, fetch=offline)
    msg = _one_line_naming(exc.value, f"cannot fetch {PKG} {VERSION}",
                           f"`apt-get download {PKG}={VERSION}`",
                           f"https://deb.debian.org/debian/{POOL}",
                           str(debs_dir(tmp_path)), "Temporary failure in name resolution")
    assert re.fullmatch(r"cannot fetch .+: .+; download it with `apt-get download .+` or from "
                        r"https://\S+, and put it in .+", msg)


def test_default_fetch_falls_back_to_the_mirror_over_urllib(deb, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / POOL).parent.mkdir(parents=True)
    shutil.copyfile(deb, mirror / POOL)
    monkeypatch.setattr(debian.shutil, "which", lambda name: None)  # no apt-get here
    monkeypatch.setattr(debian, "DEBIAN_MIRROR", mirror.as_uri())
    pin = pin_for(deb)
    assert pin.url == f"{mirror.as_uri()}/{POOL}"
    path = fetch_deb(pin, tmp_path / "data")  # the default fetcher
    assert path.read_bytes() == deb.read_bytes()
    (mirror / POOL).unlink()
    with pytest.raises(DownloadError) as exc:
        fetch_deb(pin, tmp_path / "elsewhere")
    _one_line_naming(exc.value, f"cannot fetch {PKG} {VERSION}", "apt-get download")


def test_default_fetch_then_tries_snapshot_debian_org_by_sha1(deb, tmp_path, monkeypatch):
    snap = tmp_path / "snapshot"
    snap.mkdir()
    sha1 = hashlib.sha1(deb.read_bytes()).hexdigest()
    shutil.copyfile(deb, snap / sha1)
    monkeypatch.setattr(debian.shutil, "which", lambda name: None)
    monkeypatch.setattr(debian, "DEBIAN_MIRROR", (tmp_path / "gone").as_uri())  # superseded
    monkeypatch.setattr(debian, "SNAPSHOT_URL", snap.as_uri() + "/{sha1}")
    pin = DebPin(PKG, VERSION, pin_for(deb).sha256, POOL, sha1=sha1)
    assert fetch_deb(pin, tmp_path / "data").read_bytes() == deb.read_bytes()
    no_sha1 = DebPin(PKG, VERSION, pin.sha256, POOL)  # nothing to ask the snapshot for
    with pytest.raises(DownloadError) as exc:
        fetch_deb(no_sha1, tmp_path / "other")
    _one_line_naming(exc.value, f"cannot fetch {PKG} {VERSION}", "gone")


def test_apt_failure_reports_its_error_line(tmp_path, monkeypatch):
    fake = tmp_path / "apt-get"
    fake.write_text("#!/bin/sh\necho 'W: some warning' >&2\n"
                    "echo \"E: Can't find a source to download version '9' of 'x:all'\" >&2\n"
                    "exit 100\n")
    fake.chmod(0o755)
    monkeypatch.setattr(debian.shutil, "which", lambda name: str(fake))
    (tmp_path / "debs").mkdir()
    with pytest.raises(OSError, match="E: Can't find a source to download version '9'"):
        debian.fetch_apt(DebPin("x", "9", "0" * 64, "pool/main/x/x_9_all.deb"),
                         tmp_path / "debs" / "x.deb")
    assert list((tmp_path / "debs").iterdir()) == []  # its scratch folder is gone


def test_fetch_sources_checks_every_recording(deb, tmp_path):
    from adl.corpus.sources import DebSource, Recording

    pin = pin_for(deb)
    rec = Recording(f"{ROOT_DIR}sounds/dog.wav", "dog_bark", "a test tone", 0.2)
    source = DebSource(pin, deb.stat().st_size, "CC0-1.0", "nobody", (rec,))
    folders = fetch_sources(tmp_path, sources=[source], fetch=CountingFetch(deb))
    assert folders == {PKG: extract_dir(tmp_path, pin)}
    assert source.audio_file(tmp_path, rec).read_bytes() == WAV
    assert source.copyright_file(tmp_path).read_bytes() == COPYRIGHT
    assert source.attribution(rec) == f"nobody; CC0-1.0; Debian package {PKG} {VERSION}"
    broken = Recording(f"{ROOT_DIR}sounds/readme.wav", "dog_bark", "not audio", 0.2)
    deb2 = make_deb(tmp_path / "b.deb",
                    default_files() + [(f"./{ROOT_DIR}sounds/readme.wav", b"RIFF junk")])
    source2 = DebSource(pin_for(deb2), 1, "CC0-1.0", "nobody", (broken,))
    with pytest.raises(DataError) as exc:
        fetch_sources(tmp_path / "2", sources=[source2], fetch=CountingFetch(deb2))
    _one_line_naming(exc.value, PKG, "readme.wav", "cannot read")


# -- the pinned manifest ------------------------------------------------------------------------

FREE_LICENSES = {"GPL-2", "GPL-2+", "GPL-3", "GPL-3+", "CC0-1.0", "CC-BY-3.0", "CC-BY-SA-3.0",
                 "CC-BY-SA-4.0", "MIT", "GFDL-1.3", "CC-BY-SA-3.0 or GPL-2+ or CDDL-1.1",
                 "Artistic-1.0", "public-domain",
                 # searchandrescue-data's copyright file names the GPL without a version
                 "GPL", "GPL with the Battle Tanks exception"}


def test_every_pin_is_well_formed():
    names = [s.package for s in SOURCES]
    assert len(names) == len(set(names))
    assert "scratch" not in names
    for s in SOURCES:
        assert re.fullmatch(r"[0-9a-f]{64}", s.pin.sha256), s.package
        assert re.fullmatch(r"[0-9a-f]{40}", s.pin.sha1 or ""), s.package
        assert s.pin.pool_path.startswith("pool/main/"), s.package
        upstream = s.version.split(":", 1)[-1]  # the pool's file name has no epoch
        assert s.pin.filename == f"{s.package}_{upstream}_all.deb", s.package
        assert s.size > 0 and s.license in FREE_LICENSES and s.copyright, s.package
        assert s.recordings, s.package


def test_every_recording_is_labelled_licensed_and_unique():
    seen = set()
    for s in SOURCES:
        for r in s.recordings:
            key = (s.package, r.path)
            assert key not in seen, key
            seen.add(key)
            assert r.description and r.description == r.description.strip(), key
            assert r.duration_s > 0, key
            assert s.license_of(r) in FREE_LICENSES, key
            assert s.attribution(r).endswith(f"Debian package {s.package} {s.version}")
            assert "_desc" not in r.path, key  # Tux Paint's spoken descriptions: voices
            path, _, index = r.path.partition("#")
            assert path.lower().endswith(debian.AUDIO_SUFFIXES + (debian.CAT_SUFFIX,)), key
            assert not index or index.isdigit(), key
            # the corpus builder opens each recording with adl.audio.load_audio
            assert path.lower().endswith((".ogg", ".wav", ".flac", ".mp3", debian.CAT_SUFFIX)), key
            if r.label == BACKGROUND:
                assert r.kind in BACKGROUND_KINDS, key
            else:
                assert r.kind is None and r.label in EVENT_CLASSES, key


def test_classes_have_enough_recordings_or_are_listed_as_short():
    by_class = recordings_by_class()
    assert set(by_class) == set(EVENT_CLASSES)
    assert SHORT_CLASSES <= set(EVENT_CLASSES)
    for label, recs in by_class.items():
        distinct = len({(s.package, r.path) for s, r in recs})
        assert (distinct < MIN_RECORDINGS) == (label in SHORT_CLASSES), label
    complete = complete_classes()
    assert len(complete) >= 30
    # the aim: six or more different recordings for most classes, 500 events in all
    assert sum(len(recs) >= 6 for recs in by_class.values()) >= 50
    assert sum(len(recs) for recs in by_class.values()) >= 500
    # most complete classes draw on more than one package
    multi = [c for c in complete if len({s.package for s, _ in by_class[c]}) > 1]
    assert len(multi) >= 30


def test_real_backgrounds_of_every_required_kind():
    kinds = backgrounds_by_kind()
    for kind in ("rain", "wind", "water", "birds", "crowd", "traffic", "hum"):
        assert len(kinds.get(kind, [])) >= 2, kind


def test_the_download_stays_under_1_5_gb():
    assert download_size() < 1.5e9


def test_the_sites_credits_page_lists_every_source():
    """book/credits.md is generated from the manifest (python -m adl.corpus.sources); a change of
    the pinned sources must regenerate it, so the site credits what the corpus uses."""
    from pathlib import Path

    from adl.corpus.sources import SOURCES, credits_markdown

    page = Path(__file__).resolve().parents[1] / "book" / "credits.md"
    assert page.read_text(encoding="utf-8") == credits_markdown(), \
        "book/credits.md is stale: run `python -m adl.corpus.sources > book/credits.md`"
    for source in SOURCES:
        assert f"## {source.package} {source.version}" in page.read_text(encoding="utf-8")
    toc = (page.parent / "_toc.yml").read_text(encoding="utf-8")
    assert "file: credits" in toc
