"""The real-data loaders (Clotho, ESC-50) and downloads, on tiny fixtures in the real layouts.

Nothing here touches the network: downloads read ``file://`` URLs of archives built in tmp_path,
and the offline case uses a closed local port.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from adl.audio import save_audio
from adl.data import (CLOTHO_SUBSETS, ClothoItem, ESC50Item, download_clotho, download_esc50,
                      load_clotho, load_esc50)
from adl.data import download as dl
from adl.errors import DataError, DownloadError

SR = 8000
CAPTION_COLS = [f"caption_{i}" for i in range(1, 6)]
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: closed, so the connection is refused


def tone(seed: int) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(400)).astype(np.float32)


def write_csv(path: Path, header: list[str], rows: list[list[str]],
              encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def clotho_rows(n: int = 3) -> list[list[str]]:
    # Names out of alphabetical order, so "CSV order" is tested, not sorting.
    names = [f"clip {chr(ord('z') - i)}.wav" for i in range(n)]
    return [[name] + [f"  caption {j} of {name}, with a comma " for j in range(1, 6)]
            for name in names]


def make_clotho(root: Path, subset: str = "development", *, layout: str = "aac",
                rows: list[list[str]] | None = None, header: list[str] | None = None,
                encoding: str = "utf-8", audio: bool = True) -> tuple[Path, Path]:
    """Write a Clotho subset in the aac-datasets or flat Zenodo layout; return (csv, audio dir)."""
    rows = clotho_rows() if rows is None else rows
    if layout == "aac":
        base = root / "CLOTHO_v2.1"
        csv_path = base / "clotho_csv_files" / f"clotho_captions_{subset}.csv"
        audio_dir = base / "clotho_audio_files" / subset
    else:
        csv_path, audio_dir = root / f"clotho_captions_{subset}.csv", root / subset
    write_csv(csv_path, header or ["file_name", *CAPTION_COLS], rows, encoding)
    if audio:
        for i, row in enumerate(rows):
            save_audio(audio_dir / row[0], tone(i), SR)
    return csv_path, audio_dir


ESC_HEADER = ["filename", "fold", "target", "category", "esc10", "src_file", "take"]


def esc_rows() -> list[list[str]]:
    return [
        ["1-100032-A-0.wav", "1", "0", "dog", "True", "100032", "A"],
        ["2-100038-A-14.wav", "2", "14", "chirping_birds", "False", "100038", "A"],
        ["3-100038-B-14.wav", "3", "14", "chirping_birds", "False", "100038", "B"],
        ["4-100210-A-36.wav", "4", "36", "vacuum_cleaner", "False", "100210", "A"],
        ["5-100210-B-0.wav", "5", "0", "dog", "True", "100210", "B"],
    ]


def make_esc50(root: Path, rows: list[list[str]] | None = None,
               header: list[str] | None = None, audio: bool = True) -> Path:
    """Write ESC-50 in the official layout under ``root/ESC-50-master``; return that folder."""
    rows = esc_rows() if rows is None else rows
    base = root / "ESC-50-master"
    write_csv(base / "meta" / "esc50.csv", header or ESC_HEADER, rows)
    (base / "audio").mkdir(parents=True, exist_ok=True)
    if audio:
        for i, row in enumerate(rows):
            save_audio(base / "audio" / row[0], tone(i), SR)
    return base


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg
    return msg


# --------------------------------------------------------------------------------------- Clotho

def test_clotho_aac_layout_keeps_csv_order_and_strips_captions(tmp_path):
    rows = clotho_rows()
    _, audio_dir = make_clotho(tmp_path, rows=rows)
    items = load_clotho(tmp_path, "development")
    assert [it.fname for it in items] == [r[0] for r in rows]
    it = items[0]
    assert isinstance(it, ClothoItem) and it.subset == "development"
    assert it.path == audio_dir / it.fname and it.path.is_file()
    assert it.captions == tuple(c.strip() for c in rows[0][1:])
    assert len(it.captions) == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        it.fname = "x"  # type: ignore[misc]


def test_clotho_flat_layout_and_aliases(tmp_path):
    _, audio_dir = make_clotho(tmp_path, "validation", layout="flat")
    items = load_clotho(tmp_path, "val")
    assert len(items) == 3 and items[0].subset == "validation"
    assert items[0].path.parent == audio_dir
    assert CLOTHO_SUBSETS == ("development", "validation", "evaluation")


def test_clotho_prefers_aac_layout(tmp_path):
    make_clotho(tmp_path, "evaluation", layout="flat", rows=clotho_rows(2))
    make_clotho(tmp_path, "evaluation", layout="aac", rows=clotho_rows(3))
    items = load_clotho(tmp_path, "eval")
    assert len(items) == 3 and "CLOTHO_v2.1" in str(items[0].path)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8-sig"])
def test_clotho_reads_latin1_and_bom(tmp_path, encoding):
    rows = clotho_rows(2)
    rows[0][1] = "a man hums in a café"
    make_clotho(tmp_path, rows=rows, encoding=encoding)
    assert load_clotho(tmp_path, "development")[0].captions[0] == "a man hums in a café"


def test_clotho_root_missing(tmp_path):
    with pytest.raises(DataError) as err:
        load_clotho(tmp_path / "nowhere", "development")
    assert "nowhere" in one_line(err)


def test_clotho_no_layout_names_what_was_looked_for(tmp_path):
    with pytest.raises(DataError) as err:
        load_clotho(tmp_path, "development")
    msg = one_line(err)
    assert "clotho_csv_files/clotho_captions_development.csv" in msg
    assert str(tmp_path / "clotho_captions_development.csv") in msg


def test_clotho_csv_without_audio_folder(tmp_path):
    make_clotho(tmp_path, audio=False)
    with pytest.raises(DataError) as err:
        load_clotho(tmp_path, "development")
    assert "clotho_audio_files/development" in one_line(err)


def test_clotho_missing_columns(tmp_path):
    header = ["file_name", "caption_1", "caption_2", "caption_4", "caption_5"]
    rows = [r[:3] + r[4:] for r in clotho_rows()]
    csv_path, _ = make_clotho(tmp_path, rows=rows, header=header)
    with pytest.raises(DataError) as err:
        load_clotho(tmp_path, "development")
    msg = one_line(err)
    assert "caption_3" in msg and str(csv_path) in msg


def test_clotho_empty_caption(tmp_path):
    rows = clotho_rows()
    rows[1][4] = "   "
    csv_path, _ = make_clotho(tmp_path, rows=rows)
    with pytest.raises(DataError) as err:
        load_clotho(tmp_path, "development")
    msg = one_line(err)
    assert "caption_4" in msg and rows[1][0] in msg and str(csv_path) in msg


def test_clotho_duplicate_file_name(tmp_path):
    rows = clotho_rows(2)
    rows.append(list(rows[0]))
    make_clotho(tmp_path, rows=rows)
    with pytest.raises(DataError) as err:
        load_clotho(tmp_path, "development")
    assert "repeats" in one_line(err) and rows[0][0] in str(err.value)


def test_clotho_missing_audio_names_first_few_and_count(tmp_path):
    rows = clotho_rows(5)
    csv_path, audio_dir = make_clotho(tmp_path, rows=rows)
    for row in rows[1:]:
        (audio_dir / row[0]).unlink()
    with pytest.raises(DataError) as err:
        load_clotho(tmp_path, "development")
    msg = one_line(err)
    assert msg.startswith("4 ") and "and 1 more" in msg and str(csv_path) in msg
    assert all(r[0] in msg for r in rows[1:4]) and rows[4][0] not in msg


def test_clotho_unknown_subset(tmp_path):
    make_clotho(tmp_path)
    with pytest.raises(DataError) as err:
        load_clotho(tmp_path, "training")
    assert "'training'" in one_line(err) and "development" in str(err.value)


# --------------------------------------------------------------------------------------- ESC-50

def test_esc50_loads_from_root_or_master_folder(tmp_path):
    base = make_esc50(tmp_path)
    items = load_esc50(tmp_path)
    assert items == load_esc50(base)
    assert [it.fname for it in items] == [r[0] for r in esc_rows()]
    it = items[0]
    assert isinstance(it, ESC50Item)
    assert (it.category, it.target, it.fold, it.esc10, it.src_file, it.take) == (
        "dog", 0, 1, True, "100032", "A")
    assert it.path == base / "audio" / it.fname and it.path.is_file()
    assert items[1].esc10 is False


def test_esc50_fold_filter(tmp_path):
    make_esc50(tmp_path)
    assert [it.fold for it in load_esc50(tmp_path, folds=[2, 5])] == [2, 5]
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path, folds=[0, 6])
    assert "[0, 6]" in one_line(err)


def test_esc50_missing_csv(tmp_path):
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path)
    assert "ESC-50-master/meta/esc50.csv" in one_line(err)
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path / "absent")
    assert "absent" in one_line(err)


def test_esc50_missing_columns(tmp_path):
    header = [h for h in ESC_HEADER if h not in ("esc10", "take")]
    rows = [[r[0], r[1], r[2], r[3], r[5]] for r in esc_rows()]
    make_esc50(tmp_path, rows=rows, header=header)
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path)
    msg = one_line(err)
    assert "esc10, take" in msg and "esc50.csv" in msg


def test_esc50_target_with_two_categories(tmp_path):
    rows = esc_rows()
    rows[4][3] = "cat"  # target 0 is "dog" in row 1
    make_esc50(tmp_path, rows=rows)
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path)
    msg = one_line(err)
    assert rows[4][0] in msg and "line 6" in msg and "target 0" in msg and rows[0][0] in msg


def test_esc50_category_with_two_targets(tmp_path):
    rows = esc_rows()
    rows[2][2] = "15"  # chirping_birds is 14 in the row before
    make_esc50(tmp_path, rows=rows)
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path)
    msg = one_line(err)
    assert rows[2][0] in msg and "'chirping_birds'" in msg and "15" in msg


def test_esc50_fold_out_of_range(tmp_path):
    rows = esc_rows()
    rows[3][1] = "6"
    make_esc50(tmp_path, rows=rows)
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path)
    msg = one_line(err)
    assert rows[3][0] in msg and "fold 6" in msg


def test_esc50_non_integer_target(tmp_path):
    rows = esc_rows()
    rows[0][2] = "zero"
    make_esc50(tmp_path, rows=rows)
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path)
    assert rows[0][0] in one_line(err) and "'zero'" in str(err.value)


def test_esc50_missing_audio(tmp_path):
    base = make_esc50(tmp_path)
    (base / "audio" / esc_rows()[2][0]).unlink()
    with pytest.raises(DataError) as err:
        load_esc50(tmp_path)
    assert esc_rows()[2][0] in one_line(err) and str(err.value).startswith("1 ")
    # The filter returns only items whose audio is there.
    assert len(load_esc50(tmp_path, folds=[1, 2])) == 2


# ------------------------------------------------------------------------------------ downloads

def test_download_file_verifies_and_skips_present_file(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"clotho" * 1000)
    dest = tmp_path / "out" / "file.bin"
    dl.download_file(src.as_uri(), dest, md5(src), progress=False)
    assert dest.read_bytes() == src.read_bytes()
    # Present with the right checksum: no fetch (the URL would fail).
    dl.download_file(f"{UNREACHABLE}/file.bin", dest, md5(src), progress=False)
    assert not list(dest.parent.glob("*.part"))


def test_download_file_checksum_mismatch_leaves_nothing(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"not what you expected")
    dest = tmp_path / "out" / "file.bin"
    with pytest.raises(DownloadError) as err:
        dl.download_file(src.as_uri(), dest, "0" * 32, progress=False)
    msg = one_line(err)
    assert "file.bin" in msg and "0" * 32 in msg and md5(src) in msg
    assert list(dest.parent.iterdir()) == []


def test_download_file_replaces_corrupt_existing_file(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"good bytes")
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"truncated")
    dl.download_file(src.as_uri(), dest, md5(src), progress=False)
    assert dest.read_bytes() == b"good bytes"


def test_download_file_offline_is_one_line(tmp_path):
    url = f"{UNREACHABLE}/x"
    with pytest.raises(DownloadError) as err:
        dl.download_file(url, tmp_path / "x", progress=False)
    msg = one_line(err)
    assert url in msg and "internet" in msg
    assert list(tmp_path.iterdir()) == []


def test_download_file_progress_line(tmp_path, capsys):
    src = tmp_path / "src.bin"
    src.write_bytes(b"x" * 5000)
    dl.download_file(src.as_uri(), tmp_path / "d.bin")
    assert "downloading d.bin" in capsys.readouterr().err


def build_esc50_zip(tmp_path: Path, *, drop_audio: bool = False) -> Path:
    """A miniature GitHub archive: ESC-50-master/{meta,audio,README.md} in one zip."""
    src = make_esc50(tmp_path / "src")
    (src / "README.md").write_text("ESC-50\n")
    if drop_audio:
        (src / "audio" / esc_rows()[1][0]).unlink()
    path = tmp_path / "served" / "master.zip"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted(src.rglob("*")):
            z.write(f, f"ESC-50-master/{f.relative_to(src)}")
    return path


def test_download_esc50_from_local_archive(tmp_path, monkeypatch):
    archive = build_esc50_zip(tmp_path)
    monkeypatch.setattr(dl, "ESC50_URL", archive.as_uri())
    monkeypatch.setattr(dl, "ESC50_N_CLIPS", len(esc_rows()))
    root = tmp_path / "data"
    base = download_esc50(root, progress=False)
    assert base == root / "ESC-50-master" and (base / "README.md").is_file()
    assert len(load_esc50(root)) == len(esc_rows())
    assert sorted(p.name for p in root.iterdir()) == ["ESC-50-master"]  # zip and tmp removed
    # Complete already: no fetch.
    monkeypatch.setattr(dl, "ESC50_URL", f"{UNREACHABLE}/master.zip")
    assert download_esc50(root, progress=False) == base


def test_download_esc50_rejects_incomplete_archive(tmp_path, monkeypatch):
    archive = build_esc50_zip(tmp_path, drop_audio=True)
    monkeypatch.setattr(dl, "ESC50_URL", archive.as_uri())
    monkeypatch.setattr(dl, "ESC50_N_CLIPS", len(esc_rows()))
    root = tmp_path / "data"
    with pytest.raises(DownloadError) as err:
        download_esc50(root, progress=False)
    assert esc_rows()[1][0] in one_line(err)
    assert list(root.iterdir()) == []


def test_download_esc50_rejects_wrong_row_count_and_non_zip(tmp_path, monkeypatch):
    archive = build_esc50_zip(tmp_path)
    monkeypatch.setattr(dl, "ESC50_URL", archive.as_uri())
    with pytest.raises(DownloadError) as err:  # the real 2000 rows against a 5-row fixture
        download_esc50(tmp_path / "a", progress=False)
    assert "2000" in one_line(err)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"<html>rate limited</html>")
    monkeypatch.setattr(dl, "ESC50_URL", junk.as_uri())
    with pytest.raises(DownloadError) as err:
        download_esc50(tmp_path / "b", progress=False)
    assert "not a valid zip" in one_line(err)
    assert list((tmp_path / "b").iterdir()) == []


def test_download_esc50_offline(tmp_path, monkeypatch):
    monkeypatch.setattr(dl, "ESC50_URL", f"{UNREACHABLE}/master.zip")
    with pytest.raises(DownloadError) as err:
        download_esc50(tmp_path, progress=False)
    msg = one_line(err)
    assert "ESC-50-master.zip" in msg and UNREACHABLE in msg and "internet" in msg


def serve_clotho(tmp_path: Path, monkeypatch, subsets=("development", "validation")) -> Path:
    """Build Zenodo-like files (captions, metadata, .7z of `{subset}/*.wav`) and point at them."""
    py7zr = pytest.importorskip("py7zr")
    served = tmp_path / "zenodo"
    table = {}
    for subset in subsets:
        make_clotho(served / "stage", subset, layout="flat")
        (served / f"clotho_captions_{subset}.csv").write_bytes(
            (served / "stage" / f"clotho_captions_{subset}.csv").read_bytes())
        write_csv(served / f"clotho_metadata_{subset}.csv", ["file_name", "keywords"],
                  [[r[0], "a;b"] for r in clotho_rows()], encoding="latin-1")
        with py7zr.SevenZipFile(served / f"clotho_audio_{subset}.7z", "w") as z:
            z.writeall(served / "stage" / subset, arcname=subset)
        for kind in ("captions", "metadata"):
            table[f"clotho_{kind}_{subset}.csv"] = md5(served / f"clotho_{kind}_{subset}.csv")
        table[f"clotho_audio_{subset}.7z"] = md5(served / f"clotho_audio_{subset}.7z")
    monkeypatch.setattr(dl, "CLOTHO_URL_TEMPLATE", served.as_uri() + "/{fname}")
    monkeypatch.setattr(dl, "CLOTHO_MD5", table)
    return served


def test_download_clotho_from_local_archives(tmp_path, monkeypatch):
    serve_clotho(tmp_path, monkeypatch)
    root = tmp_path / "data"
    base = download_clotho(root, subsets=("dev", "validation"), progress=False)
    assert base == root / "CLOTHO_v2.1"
    for subset in ("development", "validation"):
        items = load_clotho(root, subset)
        assert [it.fname for it in items] == [r[0] for r in clotho_rows()]
        assert items[0].path.parent == base / "clotho_audio_files" / subset
    assert (base / "clotho_csv_files" / "clotho_metadata_validation.csv").is_file()
    assert list((base / "archives").iterdir()) == []
    assert sorted(p.name for p in (base / "clotho_audio_files").iterdir()) == [
        "development", "validation"]
    # Everything present and verified: a second call fetches nothing.
    monkeypatch.setattr(dl, "CLOTHO_URL_TEMPLATE", UNREACHABLE + "/{fname}")
    download_clotho(root, subsets=("development",), progress=False)


def test_download_clotho_bad_archive_checksum(tmp_path, monkeypatch):
    serve_clotho(tmp_path, monkeypatch, subsets=("evaluation",))
    monkeypatch.setitem(dl.CLOTHO_MD5, "clotho_audio_evaluation.7z", "f" * 32)
    root = tmp_path / "data"
    with pytest.raises(DownloadError) as err:
        download_clotho(root, subsets=("evaluation",), progress=False)
    msg = one_line(err)
    assert "clotho_audio_evaluation.7z" in msg and "f" * 32 in msg
    assert list((root / "CLOTHO_v2.1" / "archives").iterdir()) == []


def test_download_clotho_without_py7zr(tmp_path, monkeypatch):
    serve_clotho(tmp_path, monkeypatch, subsets=("evaluation",))
    monkeypatch.setitem(__import__("sys").modules, "py7zr", None)  # import now fails
    with pytest.raises(DownloadError) as err:
        download_clotho(tmp_path / "data", subsets=("evaluation",), progress=False)
    assert "pip install py7zr" in one_line(err)
    assert not (tmp_path / "data" / "CLOTHO_v2.1" / "archives").exists()


def test_download_clotho_offline(tmp_path, monkeypatch):
    monkeypatch.setattr(dl, "CLOTHO_URL_TEMPLATE", UNREACHABLE + "/{fname}")
    with pytest.raises(DownloadError) as err:
        download_clotho(tmp_path, subsets=("validation",), progress=False)
    msg = one_line(err)
    assert "clotho_captions_validation.csv" in msg and "internet" in msg


def test_download_clotho_unknown_subset(tmp_path):
    with pytest.raises(DataError):
        download_clotho(tmp_path, subsets=("train",), progress=False)


def test_download_clotho_corrupt_archive(tmp_path, monkeypatch):
    served = serve_clotho(tmp_path, monkeypatch, subsets=("evaluation",))
    bad = served / "clotho_audio_evaluation.7z"
    bad.write_bytes(b"not a 7z archive")
    monkeypatch.setitem(dl.CLOTHO_MD5, bad.name, md5(bad))  # right checksum, broken content
    with pytest.raises(DownloadError) as err:
        download_clotho(tmp_path / "data", subsets="evaluation", progress=False)
    assert "cannot extract" in one_line(err) and bad.name in str(err.value)
    audio = tmp_path / "data" / "CLOTHO_v2.1" / "clotho_audio_files"
    assert not audio.exists() or list(audio.iterdir()) == []
