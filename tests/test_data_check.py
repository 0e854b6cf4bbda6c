"""``adl data check``: Freesound sounds shared by ESC-50 and Clotho, on tiny fixtures in the real
layouts (and on the embedded corpus, which has no Freesound ids); and recordings of the
recordings corpus that sound in two splits, from a hand-made ``provenance.csv``."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from adl.cli import main
from adl.config import CorpusConfig
from adl.data import OverlapReport, SharedRecording, SharedSound, check_overlap
from adl.data.check import file_split, recording_splits, shared_recordings
from adl.corpus.prepare import prepare_corpus
from adl.errors import DataError

from conftest import make_tiny_data
from test_data_real import ESC_HEADER, esc_rows, make_clotho, make_esc50, write_csv

# Clotho v2.1's clotho_metadata_{subset}.csv header.
META_HEADER = ["file_name", "keywords", "sound_id", "sound_link", "start_end_samples",
               "manufacturer", "license"]
# ESC-50 fixture sounds (esc_rows): 100032 (1 clip), 100038 (2 clips), 100210 (2 clips).
ESC_100038 = ("2-100038-A-14.wav", "3-100038-B-14.wav")


def meta_rows(ids: list[str], prefix: str = "clip") -> list[list[str]]:
    return [[f"{prefix} {i}.wav", "kw;kw", sid, f"https://freesound.org/people/x/sounds/{sid}",
             "[0, 100]", "someone", "http://creativecommons.org/licenses/by/3.0/"]
            for i, sid in enumerate(ids)]


def make_metadata(root: Path, subset: str, ids: list[str], *, layout: str = "aac",
                  header: list[str] | None = None, encoding: str = "utf-8",
                  prefix: str = "clip") -> Path:
    """Write ``clotho_metadata_{subset}.csv`` in the aac-datasets or the flat Zenodo layout."""
    name = f"clotho_metadata_{subset}.csv"
    path = (root / "CLOTHO_v2.1" / "clotho_csv_files" / name if layout == "aac"
            else root / name)
    rows = meta_rows(ids, prefix)
    if header is not None:  # drop the columns the header lacks
        rows = [[v for h, v in zip(META_HEADER, r) if h in header] for r in rows]
    write_csv(path, header or META_HEADER, rows, encoding)
    return path


def real_root(tmp_path: Path, *, eval_ids: list[str], dev_ids: list[str] | None = None) -> Path:
    """ESC-50 plus Clotho evaluation (and development) with their captions and metadata."""
    root = tmp_path / "data"
    make_esc50(root)
    make_clotho(root, "evaluation")
    make_metadata(root, "evaluation", eval_ids, prefix="eval")
    if dev_ids is not None:
        make_clotho(root, "development")
        make_metadata(root, "development", dev_ids, prefix="dev")
    return root


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["data", "check", *args])
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------ function

def test_no_overlap(tmp_path):
    root = real_root(tmp_path, eval_ids=["1", "22", "333"])
    report = check_overlap(root)
    assert isinstance(report, OverlapReport) and not report.has_overlap
    assert (report.n_esc50_clips, report.n_esc50_ids) == (5, 3)
    assert report.esc50_csv == root / "ESC-50-master" / "meta" / "esc50.csv"
    ev = report.split("evaluation")
    assert ev.checked and ev.shared == () and (ev.n_clips, ev.n_ids) == (3, 3)
    assert ev.metadata == root / "CLOTHO_v2.1" / "clotho_csv_files" / \
        "clotho_metadata_evaluation.csv"
    assert [s.split for s in report.splits] == ["evaluation"]


def test_overlap_names_both_file_names(tmp_path):
    root = real_root(tmp_path, eval_ids=["7", "100038", "100032", "8"])
    ev = check_overlap(root).split("eval")  # the alias works too
    assert ev.shared == (SharedSound(100032, ("eval 2.wav",), ("1-100032-A-0.wav",)),
                         SharedSound(100038, ("eval 1.wav",), ESC_100038))
    assert ev.esc50_fnames == ("1-100032-A-0.wav", *ESC_100038)


def test_splits_are_reported_separately_in_the_order_given(tmp_path):
    root = real_root(tmp_path, eval_ids=["5"], dev_ids=["100210", "6"])
    report = check_overlap(root, splits=("development", "evaluation", "dev"))
    assert [s.split for s in report.splits] == ["development", "evaluation"]
    assert report.split("evaluation").shared == ()
    assert [s.sound_id for s in report.split("development").shared] == [100210]
    assert report.has_overlap
    assert [s.split for s in check_overlap(root, splits="development").splits] == ["development"]
    with pytest.raises(KeyError, match="validation"):
        report.split("validation")


def test_flat_layout_latin1_and_ids_that_are_not_numbers(tmp_path):
    root = tmp_path / "data"
    make_esc50(root)
    path = make_metadata(root, "evaluation", ["100032", "Not found", "", " 100210 "],
                         layout="flat", encoding="latin-1", prefix="café")
    with open(path, "a", encoding="latin-1") as f:
        f.write("\n\n")  # blank trailing lines
    ev = check_overlap(root).split("evaluation")
    assert ev.metadata == path and (ev.n_clips, ev.n_ids) == (4, 2)
    assert [(s.sound_id, s.clotho_fnames) for s in ev.shared] == [
        (100032, ("café 0.wav",)), (100210, ("café 3.wav",))]


def test_missing_metadata_checks_nothing_for_that_split(tmp_path):
    root = real_root(tmp_path, eval_ids=["100032"])  # no development metadata
    report = check_overlap(root, splits=("evaluation", "development"))
    dev = report.split("development")
    assert not dev.checked and dev.shared == () and dev.metadata is None
    assert "clotho_metadata_development.csv" in dev.note and str(root) in dev.note
    assert report.split("evaluation").shared  # the other split is still checked


def test_missing_sound_id_column_names_file_and_column(tmp_path):
    root = tmp_path / "data"
    make_esc50(root)
    header = [h for h in META_HEADER if h != "sound_id"]
    path = make_metadata(root, "evaluation", ["1", "2"], header=header)
    with pytest.raises(DataError) as err:
        check_overlap(root)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and "sound_id" in msg


def test_missing_src_file_column_names_file_and_column(tmp_path):
    root = tmp_path / "data"
    base = make_esc50(root, rows=[r[:5] + r[6:] for r in esc_rows()],
                      header=[h for h in ESC_HEADER if h != "src_file"])
    make_metadata(root, "evaluation", ["1"])
    with pytest.raises(DataError) as err:
        check_overlap(root)
    msg = str(err.value)
    assert str(base / "meta" / "esc50.csv") in msg and "src_file" in msg


def test_no_esc50_and_empty_metadata(tmp_path):
    root = tmp_path / "data"
    make_metadata(root, "evaluation", ["1"])
    with pytest.raises(DataError, match="ESC-50-master/meta/esc50.csv"):
        check_overlap(root)
    make_esc50(root)
    path = root / "CLOTHO_v2.1" / "clotho_csv_files" / "clotho_metadata_evaluation.csv"
    path.write_text("")
    with pytest.raises(DataError, match="is empty"):
        check_overlap(root)


def test_embedded_corpus_has_no_freesound_ids(tmp_path):
    tiny = CorpusConfig(n_development=2, n_validation=1, n_evaluation=1, events_per_class=1,
                        scene_seconds=(1.0, 1.0), event_seconds=0.5, max_events=1)
    out = tmp_path / "embedded-smoke"
    prepare_corpus(out, tiny, sr=8000, workers=1)
    report = check_overlap(out, splits=("evaluation", "development"))
    assert report.embedded and not report.has_overlap
    assert not any(s.checked for s in report.splits)
    code, stdout, stderr = run_cli("--preset", "smoke", "--root", str(tmp_path))
    assert code == 0 and stderr == ""
    assert "no Freesound ids" in stdout and "nothing to check" in stdout


# ----------------------------------------------------------------------------------------- CLI

def test_cli_no_overlap_exits_0(tmp_path):
    root = real_root(tmp_path, eval_ids=["1", "2"], dev_ids=["3"])
    code, out, err = run_cli("--preset", "paper", "--root", str(root))
    assert (code, err) == (0, "")
    assert "ESC-50: 5 clips from 3 Freesound sounds" in out
    assert "Clotho evaluation: 2 clips from 2 Freesound sounds" in out
    assert "0 shared with ESC-50" in out
    assert "Clotho development (informational): 1 clip from 1 Freesound sound" in out


def test_cli_overlap_in_evaluation_exits_1_and_lists_both_names(tmp_path):
    root = real_root(tmp_path, eval_ids=["100038", "9"], dev_ids=["10"])
    code, out, err = run_cli("--preset", "paper", "--root", str(root))
    assert code == 1
    assert "1 shared with ESC-50 (2 ESC-50 clips)" in out
    assert f"freesound 100038: Clotho eval 0.wav; ESC-50 {', '.join(ESC_100038)}" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert "evaluation" in lines[0] and "DCASE" in lines[0]


def test_cli_overlap_only_in_development_is_informational(tmp_path):
    root = real_root(tmp_path, eval_ids=["9"], dev_ids=["100032", "100210"])
    code, out, err = run_cli("--preset", "paper", "--root", str(root))
    assert (code, err) == (0, "")
    assert "Clotho development (informational):" in out and "2 shared with ESC-50" in out
    assert "freesound 100032: Clotho dev 0.wav; ESC-50 1-100032-A-0.wav" in out


def test_cli_lists_at_most_n(tmp_path):
    root = real_root(tmp_path, eval_ids=["100032", "100038", "100210"], dev_ids=[])
    code, out, _ = run_cli("--preset", "paper", "--root", str(root), "--list", "1")
    assert code == 1
    assert "freesound 100032" in out and "freesound 100038" not in out
    assert "... and 2 more" in out


def test_cli_missing_metadata_is_one_warning_per_split(tmp_path):
    # conftest's tiny data set: captions and audio, no metadata (as if only the captions CSVs
    # and audio archives were fetched).
    root = make_tiny_data(tmp_path / "data", n_dev=2, n_val=1, n_eval=1, seconds=0.1)
    code, out, err = run_cli("--preset", "paper", "--root", str(root))
    assert code == 1  # the evaluation split could not be checked: a warning, not a pass
    assert "ESC-50: 10 clips from 10 Freesound sounds" in out
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: ") for line in lines)
    assert "clotho_metadata_evaluation.csv" in lines[0] and "not checked" in lines[0]
    assert "clotho_metadata_development.csv" in lines[1]
    # Adding the evaluation metadata makes the check bite: ESC-50 src_file 1003 is there.
    make_metadata(root, "evaluation", ["1003"])
    code, out, err = run_cli("--preset", "paper", "--root", str(root))
    assert code == 1 and "freesound 1003: Clotho clip 0.wav; ESC-50 4-1003-A-1.wav" in out


@pytest.mark.parametrize("case, needles", [
    ("no_column", ["sound_id", "clotho_metadata_evaluation.csv"]),
    ("no_esc50", ["ESC-50-master/meta/esc50.csv"]),
    ("no_root", ["embedded-default", "adl data prepare --preset default", "--preset paper"]),
    ("bad_list", ["--list"]),
])
def test_cli_errors_are_one_line_with_status_2(tmp_path, case, needles):
    root = tmp_path / "data"
    args = ["--preset", "paper", "--root", str(root)]
    if case == "no_column":
        make_esc50(root)
        make_metadata(root, "evaluation", ["1"], header=["file_name", "keywords"])
    elif case == "no_esc50":
        make_metadata(root, "evaluation", ["1"])
    elif case == "no_root":
        args = ["--root", str(root)]  # the default preset reads root/embedded-default
    else:
        root.mkdir()
        args += ["--list", "-1"]
    code, out, err = run_cli(*args)
    lines = err.strip().splitlines()
    assert code == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert all(n in lines[0] for n in needles), lines[0]


# ------------------------------------------------------- the recordings corpus: one split each

PROVENANCE_HEADER = ["file", "role", "label", "package", "version", "source_path", "license",
                     "credit", "processing"]


def make_provenance(folder: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A recordings corpus's manifest and ``provenance.csv``: rows of (file, role, package,
    source_path)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "embedded_corpus.json").write_text("{}")
    write_csv(folder / "provenance.csv", PROVENANCE_HEADER,
              [[f, role, "x", pkg, "1.0", path, "CC0-1.0", "someone", "cut"]
               for f, role, pkg, path in rows])
    return folder


SCENE = "CLOTHO_v2.1/clotho_audio_files/{}/{}_00001.wav"
PROVENANCE_ROWS = [
    ("ESC-50-master/audio/1-200000-A-0.wav", "event", "pkg", "a.wav"),
    ("ESC-50-master/audio/4-200001-A-0.wav", "event", "pkg", "b.wav"),
    ("ESC-50-master/audio/5-200002-A-0.wav", "event", "pkg", "c.wav"),
    (SCENE.format("development", "development"), "background", "amb", "rain1.wav"),
    (SCENE.format("development", "development"), "event", "pkg", "a.wav"),
    (SCENE.format("validation", "validation"), "room_tone", "amb", "hum.wav"),
    (SCENE.format("validation", "validation"), "event", "pkg", "b.wav"),
    (SCENE.format("evaluation", "evaluation"), "background", "amb", "rain2.wav"),
    (SCENE.format("evaluation", "evaluation"), "event", "pkg", "c.wav"),
]


def test_recordings_in_one_split_each_share_nothing(tmp_path):
    root = make_provenance(tmp_path / "corpus", PROVENANCE_ROWS)
    assert shared_recordings(root) == ()
    report = recording_splits(root)
    assert report.events == {"development": 1, "validation": 1, "evaluation": 1}
    assert report.backgrounds == {"development": 1, "validation": 1, "evaluation": 1}


def test_a_recording_in_two_splits_is_reported(tmp_path):
    # The development scene's background also sounds in an evaluation scene, and the fold-5
    # recording c.wav in a development scene (the bank's fold 5 is the evaluation split).
    rows = [*PROVENANCE_ROWS,
            (SCENE.format("evaluation", "evaluation").replace("00001", "00002"), "background",
             "amb", "rain1.wav"),
            (SCENE.format("development", "development").replace("00001", "00002"), "event",
             "pkg", "c.wav")]
    root = make_provenance(tmp_path / "corpus", rows)
    shared = shared_recordings(root)
    assert [(s.package, s.source_path, s.splits) for s in shared] == [
        ("amb", "rain1.wav", ("development", "evaluation")),
        ("pkg", "c.wav", ("development", "evaluation"))]
    assert isinstance(shared[0], SharedRecording) and len(shared[1].files) == 3
    assert recording_splits(root).events["development"] == 2


def test_cli_reports_a_shared_recording_and_exits_1(tmp_path):
    make_provenance(tmp_path / "embedded-default", PROVENANCE_ROWS)
    code, out, err = run_cli("--root", str(tmp_path))
    assert (code, err) == (0, "")
    assert "development: 1 event recording, 1 background recording" in out
    assert "0 recordings shared between splits" in out
    rows = [*PROVENANCE_ROWS, ("ESC-50-master/audio/2-200003-B-0.wav", "event", "pkg", "b.wav")]
    make_provenance(tmp_path / "embedded-default", rows)
    code, out, err = run_cli("--root", str(tmp_path))
    assert code == 1
    assert "1 recording shared between splits" in out
    assert "pkg b.wav: development, validation (3 files)" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "more than one split" in lines[0]


def test_a_provenance_row_of_an_unknown_file_is_one_line(tmp_path):
    root = make_provenance(tmp_path / "corpus", [("elsewhere/x.wav", "event", "pkg", "a.wav")])
    with pytest.raises(DataError, match=r"corpus/provenance.csv: 'elsewhere/x.wav' is neither"):
        shared_recordings(root)
    assert file_split("ESC-50-master/audio/3-1-A-0.wav") == "development"
    assert file_split(SCENE.format("validation", "v")) == "validation"
