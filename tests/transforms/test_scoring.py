"""MedINST's scorers, against values worked out by hand, including the original's edge cases (reference §6.2)."""

from typing import get_args

import pytest

from schemas.benchmark import Scorer
from transforms.scoring import (
    METRIC,
    SCORERS,
    ScoringError,
    aligned_bio_tags,
    bio_tags,
    bracket_items,
    entity_f1,
    exact_match,
    hoc_labels,
    multicls_f1,
    multiset_f1,
    normalize,
    rouge_l,
    score_task,
    sts_squared_error,
    sts_value,
    token_f1,
)

approx = pytest.approx


def test_the_scorers_are_the_benchmark_specs():
    assert set(SCORERS) == set(get_args(Scorer)) == set(METRIC)


# --- normalisation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("The  Quick, brown-fox an Apple", "quick brownfox apple"),  # punctuation goes before articles: brown-fox
    ("a <Gene>", "gene"),
    ("The no", "no"),
    ("A.", ""),
    ("theory another", "theory another"),  # articles only as whole words
    ("«x» – y", "«x» – y"),  # only ASCII punctuation is removed
    ("", ""),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


# --- entity (bracket multiset F1) ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, items", [
    ("[x] [y]", ["x", "y"]),
    ("[[x] [y]]", ["[x] [y]"]),  # nested brackets stay inside the outer item
    ("] [x] ]", ["x"]),  # a stray ] is skipped
    ("[x] [y", ["x"]),  # an unclosed [ is dropped
    ("[a [b] c", []),  # ... with what is nested in it
    ("[]", [""]),
    ("no brackets", []),
])
def test_bracket_items(text, items):
    assert bracket_items(text) == items


def test_multiset_f1_counts_duplicates():
    assert multiset_f1(["x", "x", "y"], ["x", "y"]) == approx(0.8)  # P 1, R 2/3
    assert multiset_f1(["x", "x", "y"], ["x", "x", "x", "y"]) == approx(6 / 7)  # P 3/4, R 1
    assert multiset_f1(["x"], []) == 0.0
    assert multiset_f1([], []) == 0.0


def test_entity_f1_duplicated_mentions():
    gold = "[RNA helicase <FamilyName>] [RNA helicase <FamilyName>] [p54 <Gene>]"
    assert entity_f1(gold, "[RNA helicase <FamilyName>] [p54 <Gene>]") == approx(0.8)
    assert entity_f1(gold, "[p54 <Gene>] [RNA helicase <FamilyName>] [RNA helicase <FamilyName>]") == 1.0  # order free


def test_entity_f1_normalises_items():
    assert entity_f1("[vitamin A]", "[vitamin]") == 1.0  # the article-like "A" is removed
    assert entity_f1("[a <Gene>]", "[Gene]") == 1.0
    assert entity_f1("[IL-2 <Protein>]", "[il2 protein]") == 1.0
    assert entity_f1("[]", "[the]") == 1.0  # an empty item counts, and matches


def test_entity_f1_nested_brackets():
    assert entity_f1("[[x] [y]]", "[x] [y]") == 0.0  # one gold item against two predicted ones
    assert entity_f1("[[x] [y]]", "[[x] [y]]") == 1.0
    assert entity_f1("[[x] [y]]", "[x y]") == 1.0  # the inner brackets are punctuation, normalised away


def test_entity_f1_empty_gold_scores_zero_whatever_is_predicted():
    assert entity_f1("", "") == 0.0
    assert entity_f1("no entity here", "") == 0.0
    assert entity_f1("", "[x]") == 0.0


def test_entity_f1_unclosed_and_stray_brackets():
    assert entity_f1("[x] [y]", "] [x] [y") == approx(2 / 3)  # only [x] is read: P 1, R 1/2


def test_score_task_entity_averages_over_samples():
    metrics = score_task("entity", ["[x] [x] [y]", ""], ["[x] [y]", ""])
    assert metrics["entity_level_f1"] == approx(0.4)  # (0.8 + 0) / 2
    assert metrics["n"] == 2


# --- multicls (Hallmarks-of-Cancer) --------------------------------------------------------------------------------


def test_hoc_labels_split_on_exactly_comma_space():
    assert hoc_labels("Sustaining proliferative signaling, Evading growth suppressors") == [
        "sustaining proliferative signaling", "evading growth suppressors"]
    assert hoc_labels("a,b") == ["a,b"]
    assert hoc_labels("A , b") == ["a", "b"]
    assert hoc_labels("") == [""]


def test_multicls_f1():
    assert multicls_f1("A, B", "b, C") == approx(0.5)
    assert multicls_f1("a", "a, a") == approx(2 / 3)  # multiset: the repeated label is a false positive
    assert multicls_f1("a, b", "a,b") == 0.0
    assert multicls_f1("a.", "a") == 0.0  # no punctuation removal here


def test_multicls_empty_gold_with_empty_prediction_scores_one():
    assert multicls_f1("", "") == 1.0  # unlike entity: "" splits into one empty label
    assert multicls_f1("", "a") == 0.0
    assert entity_f1("", "") == 0.0


def test_score_task_multicls():
    metrics = score_task("multicls", ["", "A, B"], ["", "b, C"])
    assert metrics["entity_level_f1"] == approx(0.75)  # (1 + 0.5) / 2


# --- cls (label macro-F1) ------------------------------------------------------------------------------------------


def test_cls_normalises_whole_strings():
    # labels {maybe, no, yes}: maybe is never predicted ("perhaps" is outside the set) -> 0; no -> 1; yes -> 1
    metrics = score_task("cls", ["yes", "no", "no", "maybe"], ["Yes.", "no", "The no", "perhaps"])
    assert metrics["label_level_f1"] == approx(2 / 3)


def test_cls_prediction_outside_the_gold_labels_is_a_miss_not_a_class():
    # yes: P 1, R 1/2 -> 2/3; no: 1. Counted as a third class, "i think yes" would pull the mean to 5/9.
    metrics = score_task("cls", ["yes", "yes", "no", "no"], ["yes", "I think yes", "no", "no"])
    assert metrics["label_level_f1"] == approx(5 / 6)
    # "no" is a possible answer but absent from the gold: it is not averaged either
    assert score_task("cls", ["yes", "yes"], ["yes", "no"])["label_level_f1"] == approx(2 / 3)


# --- bio (tag macro-F1) --------------------------------------------------------------------------------------------

GOLD_BIO = "Mutations [O] in [O] BRCA1 [O] cause [O] hereditary [B] breast [I] cancer [I] . [O]"


def test_bio_tags_are_exactly_b_i_o():
    assert bio_tags("x [b] y [B-Disease] z [B] w [I] v [O] u [ O]") == ["B", "I", "O"]


def test_bio_alignment_pads_and_cuts():
    assert aligned_bio_tags("a [B] b [I] c [O]", "a [B]") == (["B", "I", "O"], ["B", "N", "N"])
    assert aligned_bio_tags("a [B] b [O]", "a [B] b [O] c [I]") == (["B", "O"], ["B", "O"])


def test_bio_perfect():
    assert score_task("bio", [GOLD_BIO], [GOLD_BIO])["label_level_f1"] == 1.0


def test_bio_shifted_prediction():
    # The tag of "cause" is dropped: O O O B I I O + pad N against gold O O O O B I I O.
    # O: TP 3, FP 1, FN 2 -> 2/3; B: 0; I: TP 1, FP 1, FN 1 -> 1/2. Mean 7/18.
    shifted = "Mutations [O] in [O] BRCA1 [O] cause hereditary [B] breast [I] cancer [I] . [O]"
    assert score_task("bio", [GOLD_BIO], [shifted])["label_level_f1"] == approx(7 / 18)


def test_bio_ignores_malformed_tags():
    # [b] is not read, so the prediction's tags are I O (+ N), each one position off: every class scores 0
    assert score_task("bio", ["a [B] b [I] c [O]"], ["a [b] b [I] c [O]"])["label_level_f1"] == 0.0
    assert score_task("bio", ["a [B] b [I] c [O]"], ["a [B-Disease] b [I] c [O]"])["label_level_f1"] == 0.0


def test_bio_tags_are_pooled_over_samples():
    # Pooled: gold B O, predicted O O -> B 0, O 2/3 (P 1/2, R 1) -> 1/3 (a per-sample mean would give 1/2)
    assert score_task("bio", ["x [B]", "y [O]"], ["x [O]", "y [O]"])["label_level_f1"] == approx(1 / 3)


def test_bio_without_gold_tags_is_reported():
    with pytest.raises(ScoringError, match=r"none of the 2 gold outputs holds a \[B\], \[I\] or \[O\] tag"):
        score_task("bio", ["no tags", "[B-Disease]"], ["x [B]", "y"])


# --- em ------------------------------------------------------------------------------------------------------------


def test_exact_match():
    assert exact_match("The answer.", "answer") == 1.0
    assert exact_match("B", "C") == 0.0
    assert score_task("em", ["The answer.", "", "B"], ["answer", "", "C"])["em"] == approx(2 / 3)


# --- mse (BIOSSES) -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("4", 4), ("Score: 3", 3), ("05", 5), ("3 or 3", 3),  # distinct integers
    ("5/5", 5), ("-1", 1),
    ("4.0", None), ("3.5", None), ("10", None), ("four", None), ("", None), ("2 or 3", None),
])
def test_sts_value(text, value):
    assert sts_value(text) == value


def test_sts_squared_error():
    assert sts_squared_error("4", "2") == 4.0
    assert sts_squared_error("4", "4.0") == 25.0
    assert sts_squared_error("0", "3.5") == 25.0
    assert sts_squared_error("2.0", "2") == 25.0  # an unreadable gold costs 25 whatever is predicted
    assert sts_squared_error("3", "5/5") == 4.0
    assert sts_squared_error("0", "-1") == 1.0


def test_score_task_mse():
    metrics = score_task("mse", ["4", "3", "2.0", "0"], ["4.0", "5/5", "2", "-1"])
    assert metrics["mse"] == approx(13.75)  # (25 + 4 + 25 + 1) / 4


# --- rouge and token F1, on every task -----------------------------------------------------------------------------


def test_rouge_l_stems_and_token_f1_does_not():
    # rouge-score: the cat ran | cat run -> LCS 1, P 1/2, R 1/3, F 0.4; token F1: "cats ran" / "cat running" share none
    assert rouge_l("the cats ran", "cat running") == approx(0.4)
    assert token_f1("the cats ran", "cat running") == 0.0


def test_token_f1():
    assert token_f1("The cat sat.", "cat sat down") == approx(0.8)  # P 2/3, R 1


def test_empty_against_empty():
    assert score_task("em", [""], [""]) == {"rouge": 0.0, "f1": 0.0, "em": 1.0, "n": 1}


def test_every_scorer_reports_rouge_f1_and_n():
    for scorer, key in METRIC.items():
        golds = ["a [B] b [O]"]
        metrics = score_task(scorer, golds, golds)
        assert list(metrics) == ["rouge", "f1", *([key] if key else []), "n"]


def test_rouge_scorer_gives_only_rouge_and_f1():
    assert score_task("rouge", ["hello world"], ["hello"]) == {"rouge": approx(2 / 3), "f1": approx(2 / 3), "n": 1}


# --- errors --------------------------------------------------------------------------------------------------------


def test_a_task_without_rows_is_an_error():
    with pytest.raises(ScoringError, match="no rows to score"):
        score_task("entity", [], [])


def test_unknown_scorer_and_mismatched_lengths():
    with pytest.raises(ScoringError, match="unknown scorer 'accuracy'"):
        score_task("accuracy", ["a"], ["a"])
    with pytest.raises(ScoringError, match="2 gold outputs but 1 predictions"):
        score_task("em", ["a", "b"], ["a"])
