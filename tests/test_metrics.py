"""Tests of adl.metrics: equality with pycocoevalcap, edge cases, unavailable metrics, JVM count."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import time
import warnings

import pytest

import adl.metrics as M
import adl.metrics.ptb as ptb_module
import adl.metrics.scoring as scoring
import adl.metrics.spice as spice_module
from adl.errors import ADLError
from adl.metrics import (
    METRICS,
    CorpusScores,
    JavaNotFoundError,
    MetricUnavailableWarning,
    UnknownMetricError,
    check_metrics,
    evaluate,
    ptb_tokenize,
    sanitize_caption,
    spider_fl_from_scores,
)

COCO = ["bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider_d"]
NO_JVM_BUT_TOKENIZER = ["bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l", "cider_d"]

CANDIDATES = [
    "A dog barks repeatedly while cars pass by.",
    "Rain falls on a metal roof.",
    "Birds are chirping in the trees",
    "a man is speaking and a crowd cheers",
    "Water is running from a faucet into a sink.",
    "A car engine starts and idles.",
    "People are talking in a busy restaurant",
    "Footsteps on a wooden floor",
    "A door creaks open and slams shut.",
    "Thunder rumbles in the distance as rain pours.",
    "a bell rings several times",
    "Wind blows hard through the leaves",
    "A train passes by on the tracks and honks its horn.",
    "Someone is typing on a keyboard.",
    "A baby cries while a woman speaks softly",
    "waves crash on the shore",
    "An airplane flies overhead",
    "A cat meows and purrs",
    "Children are playing and shouting in a playground.",
    "A clock ticks steadily",
]

REFERENCES = [
    ["A dog is barking as vehicles drive past.", "A dog barks several times near a road.",
     "Cars drive by while a dog barks.", "A dog barks loudly and traffic passes.",
     "Vehicles pass while a dog keeps barking."],
    ["Heavy rain is falling on a tin roof.", "Rain drops hit a metal surface.",
     "Rain pours down on a roof.", "It is raining hard onto a roof.",
     "Rain patters on the roof of a building."],
    ["Birds chirp and sing in a forest.", "Many birds are singing in the trees.",
     "Several birds tweet outside.", "Birds are chirping loudly.",
     "Birds sing while leaves rustle."],
    ["A man speaks to a crowd that applauds.", "A crowd cheers after a man talks.",
     "A man gives a speech and people cheer.", "People clap and cheer as a man speaks.",
     "A speaker addresses a cheering audience."],
    ["Water runs from a tap into a sink.", "A faucet is turned on and water flows.",
     "Water is pouring into a basin.", "Running water fills a sink.",
     "Water flows out of a faucet steadily."],
    ["An engine is started and then idles.", "A car starts up and runs idle.",
     "A vehicle engine turns over and idles.", "Someone starts a car and lets it idle.",
     "The engine of a car starts and runs."],
    ["Many people are chatting in a restaurant.", "A crowd talks in a busy cafe.",
     "People converse while dishes clatter.", "Voices chatter in a crowded room.",
     "Diners are talking in a noisy restaurant."],
    ["Someone walks on a wooden floor.", "Footsteps are heard on wooden boards.",
     "A person walks across a creaky floor.", "Footsteps echo in a hallway.",
     "Someone is walking slowly on wood."],
    ["A door creaks and then slams.", "Someone opens a creaky door and shuts it.",
     "A squeaky door opens and closes loudly.", "A door is opened slowly and slammed.",
     "The hinges creak and a door bangs shut."],
    ["Thunder rolls while heavy rain falls.", "A storm with rain and distant thunder.",
     "Rain pours and thunder rumbles far away.", "Thunder crashes during a rainstorm.",
     "Heavy rain and thunder in the distance."],
    ["A bell is ringing repeatedly.", "A church bell rings a few times.",
     "Bells chime several times.", "A bell rings out loudly.",
     "Someone rings a bell over and over."],
    ["Strong wind blows through trees.", "The wind rustles the leaves of trees.",
     "Gusts of wind blow through a forest.", "Wind is blowing hard outside.",
     "Leaves rustle in a strong wind."],
    ["A train goes by and blows its horn.", "A passing train honks loudly.",
     "A train rumbles along the tracks and sounds its horn.",
     "A locomotive passes and its horn blares.", "A train passes with its horn blowing."],
    ["Someone types on a computer keyboard.", "Fingers tap on keys quickly.",
     "A person is typing on a keyboard.", "Keys are being pressed on a keyboard.",
     "Typing sounds from a keyboard."],
    ["A baby is crying and a woman talks.", "A woman tries to soothe a crying baby.",
     "An infant cries as a woman speaks.", "A baby wails while a lady talks quietly.",
     "A woman speaks gently to a crying baby."],
    ["Waves break on a beach.", "Ocean waves crash onto the shore.",
     "The sea washes up on the sand.", "Waves roll in and crash.",
     "Water waves hit the shore repeatedly."],
    ["A plane flies over.", "An airplane passes overhead loudly.",
     "A jet flies by in the sky.", "An aircraft engine roars above.",
     "A plane is flying high overhead."],
    ["A cat meows several times.", "A cat is purring and meowing.",
     "A kitten meows loudly.", "A cat meows and then purrs.",
     "A cat makes meowing sounds."],
    ["Kids are playing and yelling outside.", "Children shout in a playground.",
     "Children laugh and scream while playing.", "Kids play and shout at a park.",
     "A group of children play noisily."],
    ["A clock is ticking.", "The ticking of a clock.", "A clock ticks steadily.",
     "A clock ticks in a quiet room.", "Ticking of a wall clock."],
]  # fmt: skip


def _pycocoevalcap_direct(candidates, mult_references):
    """The standard pycocoevalcap recipe: {id: [{"caption": ...}]} dicts, PTBTokenizer, scorers."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    res = {i: [{"caption": c}] for i, c in enumerate(candidates)}
    gts = {i: [{"caption": r} for r in refs] for i, refs in enumerate(mult_references)}
    tok = PTBTokenizer()
    res, gts = tok.tokenize(res), tok.tokenize(gts)
    corpus, sents = {}, {}
    bleu, bleu_sents = Bleu(4).compute_score(gts, res, verbose=0)
    for k in range(4):
        corpus[f"bleu_{k + 1}"], sents[f"bleu_{k + 1}"] = bleu[k], list(bleu_sents[k])
    meteor = Meteor()
    corpus["meteor"], sents["meteor"] = meteor.compute_score(gts, res)
    del meteor
    corpus["rouge_l"], s = Rouge().compute_score(gts, res)
    sents["rouge_l"] = list(s)
    corpus["cider_d"], s = Cider().compute_score(gts, res)
    sents["cider_d"] = list(s)
    return corpus, sents


def _assert_same(a_corpus, a_sents, b_corpus, b_sents, tol=1e-6):
    assert set(a_corpus) == set(b_corpus)
    for name in a_corpus:
        assert a_corpus[name] == pytest.approx(b_corpus[name], abs=tol), name
        assert len(a_sents[name]) == len(b_sents[name]), name
        for i, (x, y) in enumerate(zip(a_sents[name], b_sents[name])):
            assert x == pytest.approx(y, abs=tol), (name, i)


@pytest.fixture(scope="module")
def realistic():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricUnavailableWarning)
        return evaluate(CANDIDATES, REFERENCES)


# (a) equality with pycocoevalcap used the standard way
@pytest.mark.slow
def test_matches_pycocoevalcap(realistic):
    corpus, sents = realistic
    ref_corpus, ref_sents = _pycocoevalcap_direct(CANDIDATES, REFERENCES)
    computed = {k: v for k, v in corpus.items()}
    assert set(computed) == set(COCO)  # SPICE & co. are unavailable here, see test (g)
    _assert_same(computed, sents, ref_corpus, ref_sents)
    # Sanity: realistic values, not degenerate ones.
    assert 0.3 < corpus["bleu_1"] < 1.0 and 0.0 < corpus["cider_d"] < 10.0


# (i) per-sentence lists have the right lengths, and corpus scores are plain floats
@pytest.mark.slow
def test_sentence_lengths_and_types(realistic):
    corpus, sents = realistic
    assert isinstance(corpus, CorpusScores) and isinstance(corpus, dict)
    assert set(sents) == set(corpus)
    for name, values in sents.items():
        assert len(values) == len(CANDIDATES), name
        assert all(isinstance(v, float) for v in values)
        assert isinstance(corpus[name], float)
    # ROUGE-L and CIDEr-D corpus scores are means; BLEU and METEOR are corpus statistics.
    assert corpus["rouge_l"] == pytest.approx(sum(sents["rouge_l"]) / len(CANDIDATES))
    assert corpus["cider_d"] == pytest.approx(sum(sents["cider_d"]) / len(CANDIDATES))


# (b) identical candidates and references
@pytest.mark.slow
def test_identical_candidates_and_references():
    cands = [
        "a dog barks loudly in the distance",
        "rain falls steadily on a tin roof",
        "a car engine idles and then revs up",
        "people talk in a crowded room",
        "birds chirp",  # two tokens: no 3- or 4-grams
    ]
    corpus, sents = evaluate(cands, [[c] * 5 for c in cands], COCO)
    assert corpus["rouge_l"] == 1.0
    # METEOR 1.5 gives exactly 1 to an exact match (no fragmentation penalty for one chunk).
    assert corpus["meteor"] == pytest.approx(1.0, abs=1e-9)
    assert sents["meteor"] == pytest.approx([1.0] * 5, abs=1e-9)
    # BLEU-4 is 1 up to pycocoevalcap's tiny smoothing for sentences with >= 4 tokens; a
    # two-token sentence has no 4-gram and gets ~1e-3 from the smoothing constant.
    assert sents["bleu_4"][:4] == pytest.approx([1.0] * 4, abs=1e-8)
    assert sents["bleu_4"][4] == pytest.approx(1e-3, rel=1e-6)
    assert corpus["bleu_4"] == pytest.approx(1.0, abs=1e-8)
    # CIDEr-D: cosine 1 for each n-gram order that exists, no length penalty, times 10. So 10
    # for >= 4 tokens, and (1 + 1 + 0 + 0) / 4 * 10 = 5 for the two-token caption. Corpus: 9.
    assert sents["cider_d"] == pytest.approx([10.0, 10.0, 10.0, 10.0, 5.0], abs=1e-9)
    assert corpus["cider_d"] == pytest.approx(9.0, abs=1e-9)


# (c) empty candidate
@pytest.mark.slow
def test_empty_candidate():
    cands = ["", CANDIDATES[1], CANDIDATES[2], "   "]
    refs = [REFERENCES[0], REFERENCES[1], REFERENCES[2], REFERENCES[3]]
    corpus, sents = evaluate(cands, refs, COCO)
    for name in COCO:
        assert sents[name][0] == 0.0, name
        assert sents[name][3] == 0.0, name
        assert sents[name][1] > 0.0, name
    ref_corpus, ref_sents = _pycocoevalcap_direct(cands, refs)
    _assert_same(dict(corpus), sents, ref_corpus, ref_sents)


# (d) a single candidate: CIDEr-D's idf degenerates
def test_single_candidate_cider_d_is_zero():
    corpus, sents = evaluate(CANDIDATES[:1], REFERENCES[:1], NO_JVM_BUT_TOKENIZER)
    # With one sample, every reference n-gram has document frequency 1 = N, so its idf
    # log(N) - log(df) = log(1) - log(1) = 0: all tf-idf vectors are zero and CIDEr-D is 0
    # whatever the caption. This is pycocoevalcap's behaviour, kept as is: score CIDEr-D on a
    # whole test set, never one clip at a time.
    assert corpus["cider_d"] == 0.0 and sents["cider_d"] == [0.0]
    assert corpus["bleu_1"] > 0.5 and corpus["rouge_l"] > 0.3
    assert all(len(v) == 1 for v in sents.values())
    # Even a perfect candidate gets CIDEr-D 0 alone.
    corpus, _ = evaluate(["a dog barks"], [["a dog barks"] * 5], ["cider_d"])
    assert corpus["cider_d"] == 0.0


@pytest.mark.slow
def test_single_candidate_matches_pycocoevalcap():
    corpus, sents = evaluate(CANDIDATES[:1], REFERENCES[:1], COCO)
    ref_corpus, ref_sents = _pycocoevalcap_direct(CANDIDATES[:1], REFERENCES[:1])
    _assert_same(dict(corpus), sents, ref_corpus, ref_sents)


# (e) punctuation and case do not matter
@pytest.mark.slow
def test_punctuation_and_case():
    refs = REFERENCES[:3]
    a = ["A dog barks.", "Rain falls, on a ROOF!", "Birds: chirping..."]
    b = ["a dog barks", "rain falls on a roof", "birds chirping"]
    corpus_a, sents_a = evaluate(a, refs, COCO)
    corpus_b, sents_b = evaluate(b, refs, COCO)
    assert dict(corpus_a) == dict(corpus_b)
    assert sents_a == sents_b


def test_tokenizer_lowercases_and_drops_punctuation():
    assert ptb_tokenize(["A dog barks.", "a dog barks", "Rain, ROOF!", "", "..."]) == [
        "a dog barks", "a dog barks", "rain roof", "", "",
    ]  # fmt: skip


# (f) newlines and other line breaks inside captions do not shift the alignment
def test_sanitize_caption():
    assert sanitize_caption(" a\tdog\r\nbarks \u2028 loud\x0b\x0c\x85ly\u00a0 ") == "a dog barks loud ly"
    assert sanitize_caption("") == ""


def test_line_breaks_do_not_shift_tokens():
    dirty = ["A dog\nbarks.", "rain\r\non\u2028a\x0broof", "", "\t", "last one"]
    assert ptb_tokenize(dirty) == ["a dog barks", "rain on a roof", "", "", "last one"]


@pytest.mark.slow
def test_line_breaks_do_not_shift_scores():
    clean_cands = list(CANDIDATES)
    dirty_cands = list(CANDIDATES)
    dirty_cands[0] = "A dog barks\nrepeatedly while\r\ncars\u2028pass by.\t"
    dirty_refs = [list(r) for r in REFERENCES]
    dirty_refs[0][2] = "Cars drive by\nwhile a dog\x0cbarks."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricUnavailableWarning)
        clean = evaluate(clean_cands, REFERENCES, COCO)
        dirty = evaluate(dirty_cands, dirty_refs, COCO)
    assert dict(dirty[0]) == dict(clean[0])
    assert dirty[1] == clean[1]
    for name in COCO:  # the last candidate is still scored against its own references
        assert dirty[1][name][-1] == clean[1][name][-1]


# (g) SPICE, SPIDEr and SPIDEr-FL are unavailable here: reported with reasons, never 0
@pytest.fixture
def no_spice_jars(monkeypatch, tmp_path):
    """Makes SPICE's files missing regardless of the machine (its dir is an empty folder)."""
    monkeypatch.setattr(spice_module, "_spice_dir", lambda: tmp_path)


def test_unavailable_metrics_are_reported_not_zero(no_spice_jars, tmp_path):
    with pytest.warns(MetricUnavailableWarning, match="spice") as record:
        corpus, sents = evaluate(
            CANDIDATES[:3], REFERENCES[:3], ["bleu_1", "spice", "spider", "spider_fl"],
            echecker_path=tmp_path / "nowhere.ckpt",
        )  # fmt: skip
    assert len([w for w in record if w.category is MetricUnavailableWarning]) == 1
    assert set(corpus) == {"bleu_1"} and set(sents) == {"bleu_1"}
    assert set(corpus.unavailable) == {"spice", "spider", "spider_fl"}
    for name, reason in corpus.unavailable.items():
        assert "get_stanford_models" in reason, name  # the one command that installs the jars
    assert "stanford-corenlp-3.6.0" in corpus.unavailable["spice"]
    assert "nowhere.ckpt" in corpus.unavailable["spider_fl"]
    assert "curl -L -o" in corpus.unavailable["spider_fl"]
    report = corpus.to_json()
    assert set(report) == {"scores", "unavailable"}
    assert "spice" not in report["scores"] and "spice" in report["unavailable"]
    json.dumps(report)


def test_unavailable_on_this_machine_by_default():
    """On a machine without the CoreNLP jars (this one), the default call reports them."""
    if M.spice_missing_reason() is None:
        pytest.skip("SPICE's CoreNLP jars are installed here")
    with pytest.warns(MetricUnavailableWarning):
        corpus, sents = evaluate(CANDIDATES[:2], REFERENCES[:2], ["cider_d", "spider"])
    assert "spider" not in corpus and "spider" in corpus.unavailable
    assert "spice" not in corpus.unavailable  # only what was asked for is listed


def test_to_json(no_spice_jars):
    with pytest.warns(MetricUnavailableWarning):
        corpus, _ = evaluate(CANDIDATES[:2], REFERENCES[:2], ["rouge_l", "spice"])
    data = json.loads(json.dumps(corpus.to_json()))
    assert data["scores"] == {"rouge_l": corpus["rouge_l"]}
    assert list(data["unavailable"]) == ["spice"]


def test_no_write_json_left():
    """``CorpusScores.write_json`` is gone: callers write ``to_json()`` with ``adl.io.write_json``."""
    import importlib
    import inspect
    import pkgutil

    modules = [M] + [importlib.import_module(f"adl.metrics.{info.name}")
                     for info in pkgutil.iter_modules(M.__path__)]  # fmt: skip
    assert {m.__name__ for m in modules} >= {"adl.metrics.scoring", "adl.metrics.spice"}
    for module in modules:
        assert not hasattr(module, "write_json"), module.__name__
        for name, obj in vars(module).items():
            if inspect.isclass(obj):
                assert not hasattr(obj, "write_json"), f"{module.__name__}.{name}"


def test_allow_download_fails_quickly(no_spice_jars, monkeypatch):
    import pycocoevalcap.spice.get_stanford_models as gsm

    def offline():
        raise OSError("Name or service not known")

    monkeypatch.setattr(gsm, "get_stanford_models", offline)
    start = time.perf_counter()
    with pytest.warns(MetricUnavailableWarning):
        corpus, _ = evaluate(CANDIDATES[:2], REFERENCES[:2], ["spice"], allow_download=True)
    assert time.perf_counter() - start < 30
    assert "download failed" in corpus.unavailable["spice"]
    assert "Name or service not known" in corpus.unavailable["spice"]


# SPIDEr and SPIDEr-FL arithmetic, with SPICE and the fluency detector replaced by fakes
def test_spider_fl_penalty_arithmetic():
    spider = [0.5, 0.4, 0.3, 0.2, 0.1]
    probs = [0.95, 0.9, 0.1, 1.0, 0.0]  # > 0.9 is an error; exactly 0.9 is not
    corpus, sents = spider_fl_from_scores(spider, probs)
    assert sents == pytest.approx([0.05, 0.4, 0.3, 0.02, 0.1])
    assert corpus == pytest.approx(sum(sents) / 5)
    with pytest.raises(ADLError):
        spider_fl_from_scores([0.1, 0.2], [0.5])


def test_spider_and_spider_fl_with_fake_spice_and_detector(monkeypatch):
    fake_spice = [0.2, 0.1, 0.4]

    def fake_run_spice(cands, mult_refs, **kwargs):
        assert cands[0] == "a dog barks repeatedly while cars pass by"  # PTB-tokenized input
        return sum(fake_spice) / 3, list(fake_spice)

    monkeypatch.setattr(scoring, "spice_missing_reason", lambda: None)
    monkeypatch.setattr(scoring, "_spice", fake_run_spice)
    seen = []

    def detector(cands):
        seen.extend(cands)
        return [0.99, 0.5, 0.95]

    corpus, sents = evaluate(
        CANDIDATES[:3], REFERENCES[:3], ["cider_d", "spice", "spider", "spider_fl"],
        fluency_detector=detector,
    )  # fmt: skip
    assert corpus.unavailable == {}
    assert seen == CANDIDATES[:3]
    expected_spider = [(c + s) / 2 for c, s in zip(sents["cider_d"], fake_spice)]
    assert sents["spider"] == pytest.approx(expected_spider)
    assert corpus["spider"] == pytest.approx((corpus["cider_d"] + corpus["spice"]) / 2)
    assert sents["spider_fl"] == pytest.approx(
        [expected_spider[0] * 0.1, expected_spider[1], expected_spider[2] * 0.1]
    )
    assert corpus["spider_fl"] == pytest.approx(sum(sents["spider_fl"]) / 3)


def test_spider_fl_unavailable_without_checkpoint(monkeypatch, tmp_path):
    monkeypatch.setattr(scoring, "spice_missing_reason", lambda: None)
    monkeypatch.setattr(scoring, "_spice", lambda c, r, **kw: (0.1, [0.1] * len(c)))
    with pytest.warns(MetricUnavailableWarning, match="spider_fl"):
        corpus, sents = evaluate(
            CANDIDATES[:2], REFERENCES[:2], ["spider", "spider_fl"],
            echecker_path=tmp_path / "echecker_clotho_audiocaps_base.ckpt",
        )  # fmt: skip
    assert "spider" in corpus and "spider_fl" not in corpus and "spider_fl" not in sents
    assert "fluency-error checkpoint" in corpus.unavailable["spider_fl"]


def test_default_echecker_path(monkeypatch, tmp_path):
    monkeypatch.setenv("FENSE_DATA", str(tmp_path))
    assert M.default_echecker_path() == tmp_path / "echecker_clotho_audiocaps_base.ckpt"
    monkeypatch.delenv("FENSE_DATA")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert M.default_echecker_path() == tmp_path / "th/hub/fense_data/echecker_clotho_audiocaps_base.ckpt"


# (h) missing Java
def test_missing_java_is_a_clear_error():
    with pytest.raises(JavaNotFoundError, match="Java 17") as info:
        evaluate(CANDIDATES[:2], REFERENCES[:2], java="/nonexistent/bin/java")
    assert isinstance(info.value, ADLError)
    assert "\n" not in str(info.value)
    assert "apt-get install" in str(info.value)


def test_java_vanishing_before_start_is_a_clear_error(monkeypatch):
    # evaluate and ptb_tokenize each look find_java up in their own module.
    for module in (scoring, ptb_module):
        monkeypatch.setattr(module, "find_java", lambda java: "/nonexistent/bin/java")
    with pytest.raises(JavaNotFoundError, match="Java 17"):
        evaluate(CANDIDATES[:2], REFERENCES[:2], ["bleu_1"])


# (j) JVM starts per call: one tokenizer call, plus the process's METEOR JVM the first time
def _count_popen(monkeypatch):
    calls = []
    real = subprocess.Popen

    class CountingPopen(real):
        def __init__(self, cmd, *args, **kwargs):
            calls.append(list(cmd))
            super().__init__(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", CountingPopen)
    return calls


@pytest.mark.slow
def test_number_of_jvm_starts(monkeypatch):
    from adl.metrics import meteor

    meteor._stop_shared()  # an earlier test's call left this process's METEOR JVM running
    calls = _count_popen(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricUnavailableWarning)
        evaluate(CANDIDATES, REFERENCES)  # all metrics
    jvm_all = len(calls)
    expected_all = 2 if M.spice_missing_reason() else 3  # + SPICE where its jars exist
    assert jvm_all == expected_all
    calls.clear()
    evaluate(CANDIDATES, REFERENCES, ["meteor"])
    assert len(calls) == 1  # the METEOR JVM of the first call is reused
    calls.clear()
    evaluate(CANDIDATES, REFERENCES, NO_JVM_BUT_TOKENIZER)
    assert len(calls) == 1
    assert all("java" in c[0] for c in calls)


@pytest.mark.slow
def test_a_dead_meteor_jvm_is_replaced_and_scores_do_not_depend_on_earlier_calls():
    from adl.metrics import meteor

    first, _ = evaluate(CANDIDATES, REFERENCES, ["meteor"])
    evaluate(CANDIDATES[::-1], REFERENCES, ["meteor"])  # a different corpus in between
    (proc, _), = meteor._SHARED.values()
    proc.kill()
    proc.wait()
    again, _ = evaluate(CANDIDATES, REFERENCES, ["meteor"])  # a new JVM, the same score
    assert again["meteor"] == first["meteor"]
    (new, _), = meteor._SHARED.values()
    assert new is not proc and new.poll() is None


# Other argument checks
def test_unknown_metric_names_nearest():
    with pytest.raises(UnknownMetricError, match="cider_d") as info:
        evaluate(CANDIDATES[:1], REFERENCES[:1], ["cider"])
    assert isinstance(info.value, ValueError) and isinstance(info.value, ADLError)
    with pytest.raises(UnknownMetricError, match="spider_fl"):
        evaluate(CANDIDATES[:1], REFERENCES[:1], ["spiderfl"])


def test_check_metrics():
    assert check_metrics(None) == list(METRICS)
    assert check_metrics("meteor") == ["meteor"]
    assert check_metrics(["rouge_l", "bleu_2", "rouge_l", "bleu_2", "spice"]) == ["rouge_l", "bleu_2", "spice"]
    assert check_metrics(iter(["cider_d"])) == ["cider_d"]
    assert check_metrics([]) == []
    with pytest.raises(UnknownMetricError, match="'cidr'") as info:
        check_metrics(["bleu_1", "cidr"])
    assert "cider_d" in str(info.value)  # the nearest valid name
    assert isinstance(info.value, ValueError) and isinstance(info.value, ADLError)
    with pytest.raises(UnknownMetricError, match="'bleu'"):
        check_metrics("bleu")


def test_bad_inputs():
    with pytest.raises(ADLError, match="differ in length"):
        evaluate(CANDIDATES[:2], REFERENCES[:1], ["bleu_1"])
    with pytest.raises(ADLError, match="empty"):
        evaluate([], [], ["bleu_1"])
    with pytest.raises(ADLError, match="non-empty"):
        evaluate(["a dog"], [[]], ["bleu_1"])
    with pytest.raises(ADLError, match="list of strings"):
        evaluate("a dog", [["a dog"]], ["bleu_1"])


def test_metric_order_and_subset():
    corpus, sents = evaluate(CANDIDATES[:4], REFERENCES[:4], ["rouge_l", "bleu_2"])
    assert list(corpus) == ["rouge_l", "bleu_2"] and list(sents) == ["rouge_l", "bleu_2"]
    assert corpus.unavailable == {}
    assert set(METRICS) >= set(corpus)


def test_import_starts_no_process():
    code = (
        "import subprocess\n"
        "def boom(*a, **k): raise AssertionError('process started on import')\n"
        "subprocess.Popen = boom\n"
        "import adl.metrics\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


# Wall time on 200 candidates x 5 references (printed; run with -s to see it)
@pytest.mark.slow
def test_wall_time_200_candidates():
    rng = random.Random(0)
    cands = [rng.choice(CANDIDATES) for _ in range(200)]
    refs = [rng.sample([r for refs in REFERENCES for r in refs], 5) for _ in range(200)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricUnavailableWarning)
        start = time.perf_counter()
        corpus, sents = evaluate(cands, refs)
        elapsed = time.perf_counter() - start
    print(f"\nevaluate on 200 candidates x 5 references, all metrics: {elapsed:.2f} s")
    assert all(len(v) == 200 for v in sents.values())
    assert not any(math.isnan(v) for v in corpus.values())
    assert elapsed < 120


def test_load_echecker_with_a_tiny_local_checkpoint(tmp_path):
    """The echecker loader builds a working detector from a checkpoint in FENSE's format.

    The real checkpoint names ``bert-base-uncased``-like encoders from the Hugging Face hub; here
    ``model_type`` is a local folder with a tiny BERT config and tokenizer.
    """
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "dog", "barks", "rain", "the"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    transformers.BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=32)  # fmt: skip
    config.save_pretrained(tmp_path)
    torch.manual_seed(0)
    encoder = transformers.AutoModel.from_config(config)
    clf = torch.nn.Linear(16, 6)
    state = {f"encoder.{k}": v for k, v in encoder.state_dict().items()}
    state |= {f"clf.{k}": v for k, v in clf.state_dict().items()}
    ckpt = tmp_path / "echecker.ckpt"
    torch.save({"model_type": str(tmp_path), "num_classes": 6, "state_dict": state}, ckpt)
    detect = M.load_echecker(ckpt, batch_size=2)
    probs = detect(["A dog barks.", "rain rain rain", "the dog"])
    assert len(probs) == 3 and all(0.0 <= p <= 1.0 for p in probs)
    with pytest.raises(ADLError, match="lacks weights"):
        torch.save({"model_type": str(tmp_path), "num_classes": 6, "state_dict": {}}, ckpt)
        M.load_echecker(ckpt)
    with pytest.raises(ADLError, match="cannot load echecker"):
        M.load_echecker(tmp_path / "missing.ckpt")


def test_evaluate_uses_checkpoint_when_present(monkeypatch, tmp_path):
    ckpt = tmp_path / "echecker_clotho_audiocaps_base.ckpt"
    ckpt.write_bytes(b"placeholder")
    monkeypatch.setattr(scoring, "spice_missing_reason", lambda: None)
    monkeypatch.setattr(scoring, "_spice", lambda c, r, **kw: (0.2, [0.2] * len(c)))
    loaded = []

    def fake_load(path, **kwargs):
        loaded.append(path)
        return lambda cands: [1.0] * len(cands)

    monkeypatch.setattr(scoring, "load_echecker", fake_load)
    corpus, sents = evaluate(CANDIDATES[:2], REFERENCES[:2], ["spider", "spider_fl"], echecker_path=ckpt)
    assert loaded == [ckpt]
    assert sents["spider_fl"] == pytest.approx([0.1 * s for s in sents["spider"]])
