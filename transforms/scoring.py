"""MedINST's evaluation scorers (`aialt/MedINST` `evaluation.py`), re-implemented from their documented semantics.

Every task gets Rouge-L (`rouge`) and SQuAD-style token F1 (`f1`), both averaged over samples, plus the metric of its
scorer:

- `entity`: multiset F1 over the outermost `[...]` items, per sample, averaged -> `entity_level_f1`
- `multicls` (Hallmarks-of-Cancer): multiset F1 over the labels split on ", ", per sample, averaged -> `entity_level_f1`
- `cls`: macro-F1 of the whole normalised strings over the labels found in the gold -> `label_level_f1`
- `bio`: macro-F1 of the `[B]`/`[I]`/`[O]` tags of all samples, aligned by position -> `label_level_f1`
  (MedINST spells this key `label_leval_f1`)
- `em`: normalised exact match, averaged -> `em`
- `mse` (BIOSSES): squared error of the 0-5 similarity, 25 for an unreadable pair, averaged -> `mse` (lower is better)
- `rouge`: nothing more (Multi-XScience, ParaMed)

The quirks of the original are kept on purpose, so that scores compare with the paper's: an empty bracket gold scores 0
whatever is predicted, while an empty Hallmarks-of-Cancer gold with an empty prediction scores 1; articles are removed
inside items (`[vitamin A]` equals `[vitamin]`); STS reads the *distinct* integers of a string (`4.0` holds two and
costs 25, `5/5` is 5); empty against empty gives token F1 0 and Rouge-L 0 but EM 1. Two cases where the original
crashes raise `ScoringError` instead: a task with no rows, and a `bio` task whose golds hold no tag.
Values are fractions in [0, 1] (MSE in [0, 25]), as `evaluation.py` returns them; the paper prints them times 100.
"""

import re
import string
from collections import Counter
from collections.abc import Sequence
from functools import cache

SCORERS = ("cls", "em", "entity", "multicls", "bio", "mse", "rouge")
# The key each scorer adds beside `rouge` and `f1`.
METRIC = {"cls": "label_level_f1", "em": "em", "entity": "entity_level_f1", "multicls": "entity_level_f1",
          "bio": "label_level_f1", "mse": "mse", "rouge": None}

_PUNCTUATION = frozenset(string.punctuation)  # ASCII only: `«`, `–` and the like stay
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_BIO_TAG = re.compile(r"\[([BIO])\]")  # exactly [B], [I], [O]: not [b], not [B-Disease]
_INTEGER = re.compile(r"\d+")
PAD_TAG = "N"  # stands for a tag the prediction is missing; never a gold label, so always a miss
STS_RANGE = range(0, 6)
STS_PENALTY = (0, 5)  # an unreadable pair is scored as gold 0 against prediction 5: squared error 25


class ScoringError(ValueError):
    """Predictions that cannot be scored: no rows, an unknown scorer, a BIO task without gold tags."""


def normalize(text: str) -> str:
    """SQuAD's answer normalisation, in MedINST's order: lower-case, drop ASCII punctuation, drop the articles
    a/an/the (as whole words, so after punctuation is gone: `a-b` stays `ab`), collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def bracket_items(text: str) -> list[str]:
    """The outermost `[...]` spans of `text`, in order, as written (not normalised).

    A depth counter, not a regex: brackets nested inside an item stay part of it (`[[x] [y]]` is one item, `[x] [y]`),
    a `]` with nothing open is skipped, and an item whose `[` is never closed is dropped."""
    items: list[str] = []
    depth, current = 0, []
    for ch in text:
        if ch == "[":
            if depth:
                current.append(ch)
            depth += 1
        elif ch == "]":
            if not depth:
                continue
            depth -= 1
            if depth:
                current.append(ch)
            else:
                items.append("".join(current))
                current = []
        elif depth:
            current.append(ch)
    return items


def multiset_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """F1 of two multisets: a repeated item must be predicted as often as it is gold to be counted each time.

    TP is the size of the multiset intersection, so precision is TP / len(predicted) and recall TP / len(gold); each
    is 0 when its denominator is, and F1 is 0 when both are. Hence an empty gold gives 0 whatever is predicted.
    Our own code: the set-based F1 of libraries (scikit-learn's multilabel F1, seqeval) collapses duplicates, and
    MedINST's outputs repeat a mention once per occurrence."""
    tp = sum((Counter(gold) & Counter(predicted)).values())
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def entity_f1(gold: str, prediction: str) -> float:
    """The `entity` score of one sample: multiset F1 over the normalised outermost bracket items."""
    return multiset_f1([normalize(x) for x in bracket_items(gold)], [normalize(x) for x in bracket_items(prediction)])


def hoc_labels(text: str) -> list[str]:
    """The labels of a multi-label answer: split on exactly ", ", then lower-cased and trimmed (no other
    normalisation). An empty string gives one empty label, which is why empty matches empty with F1 1."""
    return [label.lower().strip() for label in text.split(", ")]


def multicls_f1(gold: str, prediction: str) -> float:
    """The `multicls` score of one sample (Hallmarks-of-Cancer): multiset F1 over the ", "-separated labels."""
    return multiset_f1(hoc_labels(gold), hoc_labels(prediction))


def token_f1(gold: str, prediction: str) -> float:
    """SQuAD token F1 over the normalised whitespace tokens; 0 when they share no token (empty against empty too)."""
    gold_tokens, predicted_tokens = normalize(gold).split(), normalize(prediction).split()
    same = sum((Counter(gold_tokens) & Counter(predicted_tokens)).values())
    if not same:
        return 0.0
    precision, recall = same / len(predicted_tokens), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def exact_match(gold: str, prediction: str) -> float:
    """1.0 when the normalised strings are equal (two empty strings are), else 0.0."""
    return float(normalize(gold) == normalize(prediction))


@cache
def _rouge_scorer():
    from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(gold: str, prediction: str) -> float:
    """Rouge-L F-measure of one sample, with stemming, as the Hugging Face `rouge` metric MedINST used computes it
    (it wraps rouge-score). rouge-score's tokenizer keeps only [a-z0-9] runs, and an empty side scores 0."""
    return float(_rouge_scorer().score(gold, prediction)["rougeL"].fmeasure)


def sts_value(text: str) -> int | None:
    """The similarity a BIOSSES answer states: its one distinct integer if that lies in 0-5, else None.

    Integers are maximal digit runs, so `4.0` and `3.5` hold two (None), `5/5` holds one (5) and `-1` is 1."""
    found = {int(run) for run in _INTEGER.findall(text)}
    if len(found) != 1:
        return None
    value = found.pop()
    return value if value in STS_RANGE else None


def sts_squared_error(gold: str, prediction: str) -> float:
    """The `mse` term of one sample: the squared difference, or 25 when either side has no readable 0-5 value
    (an unreadable gold costs 25 whatever is predicted)."""
    g, p = sts_value(gold), sts_value(prediction)
    if g is None or p is None:
        g, p = STS_PENALTY
    return float((g - p) ** 2)


def bio_tags(text: str) -> list[str]:
    """The `[B]`/`[I]`/`[O]` tags of a BIO answer, in order, as the letters B, I, O."""
    return _BIO_TAG.findall(text)


def aligned_bio_tags(gold: str, prediction: str) -> tuple[list[str], list[str]]:
    """Gold and predicted tags paired by position: a short prediction is padded with `N` (a miss), a long one cut.
    There is no token alignment, so a dropped tag shifts every later one."""
    gold_tags, predicted_tags = bio_tags(gold), bio_tags(prediction)
    predicted_tags = (predicted_tags + [PAD_TAG] * len(gold_tags))[: len(gold_tags)]
    return gold_tags, predicted_tags


def gold_label_macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """scikit-learn macro-F1 averaged over the labels occurring in `gold` only: a prediction outside that set costs
    its true class recall but adds no class to the average. (zero_division=0 is scikit-learn's default value, without
    the warning.)"""
    from sklearn.metrics import f1_score

    return float(f1_score(list(gold), list(predicted), labels=sorted(set(gold)), average="macro", zero_division=0))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def score_task(scorer: str, golds: list[str], predictions: list[str]) -> dict[str, float]:
    """The metrics of one task: `rouge`, `f1`, the scorer's own metric (none for `rouge`) and `n`, the row count.

    Raises ScoringError for an unknown scorer, lists of different lengths, no rows, or a `bio` task whose golds
    hold no `[B]`/`[I]`/`[O]` tag (the tag F1 is then undefined; MedINST's script crashes on both of the last two)."""
    if scorer not in SCORERS:
        raise ScoringError(f"unknown scorer {scorer!r}: expected one of {', '.join(SCORERS)}")
    if len(golds) != len(predictions):
        raise ScoringError(f"{len(golds)} gold outputs but {len(predictions)} predictions")
    if not golds:
        raise ScoringError("no rows to score: a task needs at least one (gold, prediction) pair")
    pairs = list(zip(golds, predictions))
    metrics = {"rouge": _mean([rouge_l(g, p) for g, p in pairs]), "f1": _mean([token_f1(g, p) for g, p in pairs])}
    if scorer == "entity":
        metrics["entity_level_f1"] = _mean([entity_f1(g, p) for g, p in pairs])
    elif scorer == "multicls":
        metrics["entity_level_f1"] = _mean([multicls_f1(g, p) for g, p in pairs])
    elif scorer == "em":
        metrics["em"] = _mean([exact_match(g, p) for g, p in pairs])
    elif scorer == "mse":
        metrics["mse"] = _mean([sts_squared_error(g, p) for g, p in pairs])
    elif scorer == "cls":
        metrics["label_level_f1"] = gold_label_macro_f1([normalize(g) for g in golds],
                                                        [normalize(p) for p in predictions])
    elif scorer == "bio":
        # Tags of all samples are concatenated before the F1: token-level tag F1 (O counts), not span F1.
        gold_tags, predicted_tags = [], []
        for g, p in pairs:
            g_tags, p_tags = aligned_bio_tags(g, p)
            gold_tags += g_tags
            predicted_tags += p_tags
        if not gold_tags:
            raise ScoringError(f"bio scorer: none of the {len(golds)} gold outputs holds a [B], [I] or [O] tag, so the "
                               "tag F1 is undefined (is this a BIO-format task?)")
        metrics["label_level_f1"] = gold_label_macro_f1(gold_tags, predicted_tags)
    metrics["n"] = len(golds)
    return metrics
