"""MEDIQA-QA, Evidence-Inference-2.0 (partial mirror), MedDialog (raw COVID-Dialogue text, seeded split) and
AskAPatient-NED (fold 0's test file), built from the mirror: every task's rows per split, derived from the
raw files with plain Python, and the exact rendered strings of a short record of each."""

import csv
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

pytestmark = pytest.mark.integration

MEDIQA = "MEDIQA_Task3_QA/MEDIQA2019-Task3-QA-"
MEDIQA_SPLITS = {"TrainingSet1-LiveQAMed": "train", "TrainingSet2-Alexa": "train", "ValidationSet": "dev",
                 "TestSet-wLabels": "test"}
CHOICES = "\nOptions:\nA. significantly increased\nB. no significant difference\nC. significantly decreased"


def rows_of(mirror_sql, task: str) -> list[tuple[str, str, str, str]]:
    return mirror_sql(f"select split, doc_id, input, output from instructions where task = '{task}'")


def counts(mirror_counts, task: str) -> dict[str, int]:
    return {s: mirror_counts.get((task, s), 0) for s in ("train", "dev", "test")}


# MEDIQA-QA: one sample per question with an answer rated correct (ReferenceScore 3 or 4); its output is
# the best-ranked such answer. For dev and test the gold lists of Eval_Scripts/data say which answers are
# correct, in rank order, independently of the XML's scores.

def mediqa_answers(corpora, name: str) -> dict[str, dict[str, str]]:
    """QID -> {AID: answer text} of one XML file."""
    root = ET.parse(corpora / "mediqa_qa" / f"{MEDIQA}{name}.xml").getroot()
    return {q.get("QID"): {a.get("AID"): a.findtext("AnswerText").strip() for a in q.iter("Answer")}
            for q in root.iter("Question")}


def mediqa_gold_first(corpora, name: str) -> dict[str, str]:
    """QID -> the AID listed first among those labelled 1 (correct) in a ground-truth file."""
    first = {}
    with open(corpora / "mediqa_qa" / "Eval_Scripts" / "data" / name, encoding="utf-8") as f:
        for qid, aid, label in csv.reader(f):
            if label == "1":
                first.setdefault(qid, aid)
    return first


def test_mediqa_qa_counts(mirror_counts, corpora):
    expected = Counter()
    for name, split in MEDIQA_SPLITS.items():
        root = ET.parse(corpora / "mediqa_qa" / f"{MEDIQA}{name}.xml").getroot()
        expected[split] += sum(any(int(a.get("ReferenceScore")) >= 3 for a in q.iter("Answer"))
                               for q in root.iter("Question"))
    assert counts(mirror_counts, "MEDIQA-QA") == dict(expected) == {"train": 174, "dev": 25, "test": 150}


def test_mediqa_qa_dev_and_test_answers_are_the_gold_lists_first_correct_answer(mirror_sql, corpora):
    expected = {}
    for name, gold, split in [("ValidationSet", "QA_validationSet_ground_truth.txt", "dev"),
                              ("TestSet-wLabels", "QA_testSet_ground_truth_round_2.txt", "test")]:
        answers = mediqa_answers(corpora, name)
        for qid, aid in mediqa_gold_first(corpora, gold).items():
            expected[(split, f"{MEDIQA}{name}.xml:{qid}")] = answers[qid][aid]
    got = {(split, doc): output for split, doc, _, output in rows_of(mirror_sql, "MEDIQA-QA") if split != "train"}
    assert len(expected) == 175
    assert got == expected


def test_mediqa_qa_as_rendered(mirror_sql):
    doc = f"{MEDIQA}TrainingSet1-LiveQAMed.xml:58"
    assert [r[2:] for r in rows_of(mirror_sql, "MEDIQA-QA") if r[1] == doc] == [(
        "Question: general health. The hantavirus can lead to death?",
        "What is Hantavirus?: Hantavirus is a life-threatening viral infection spread to humans by rodents. "
        "It has symptoms similar to influenza.",
    )]


# Evidence-Inference-2.0: the prompts answered in v2_annotations.csv by a row whose label the verifier
# accepted, split by the article lists BigBio uses.

def evidence_expected(corpora) -> Counter:
    """(split, PMCID, label) of every prompt with an accepted 2.0 annotation."""
    folder = corpora / "evidence_inference" / "annotations"
    split_of = {}
    for name, split in [("train", "train"), ("validation", "dev"), ("test", "test")]:
        for line in (folder / "splits" / f"{name}_article_ids.txt").read_text().split():
            split_of[line] = split
    first = {}
    with open(folder / "v2_annotations.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["Valid Label"] == "True":
                first.setdefault(row["PromptID"], (row["PMCID"], row["Label"]))
    label = {"significantly increase": "significantly increased"}
    return Counter((split_of[pmcid], pmcid, label.get(lab, lab)) for pmcid, lab in first.values() if pmcid in split_of)


def test_evidence_inference_counts_and_labels(mirror_counts, mirror_sql, corpora):
    expected = evidence_expected(corpora)
    # Prompts 12793 and 12794 (PMC4315810) differ only in how often `&` was HTML-escaped (`&amp;`, `&amp;amp;`):
    # once unescaped (transforms.clean) they are the same sample, kept once.
    expected[("train", "4315810", "significantly increased")] -= 1
    per_split = Counter(split for split, _, _ in expected.elements())
    assert counts(mirror_counts, "Evidence-Inference-2.0") == dict(per_split) == {"train": 1923, "dev": 231,
                                                                                  "test": 250}
    assert Counter((s, doc, out) for s, doc, _, out in rows_of(mirror_sql, "Evidence-Inference-2.0")) == expected
    assert mirror_sql("select sum(rows)::int from build_stats where task = 'Evidence-Inference-2.0' "
                      "and reason = 'duplicate_uid'") == [(1,)]


def test_evidence_inference_as_rendered(mirror_sql):
    rows = [r for r in rows_of(mirror_sql, "Evidence-Inference-2.0") if r[1] == "2699720"]
    assert ("test", "2699720",
            "Question: Compared to low-fat diet what was the result of low-carbohydrate diet on weight?\n"
            "Context: At 1 year, there was a 3.4% weight reduction in both groups." + CHOICES,
            "no significant difference") in rows


# MedDialog: one sample per turn of each distinct dialogue (3 dialogues repeat earlier ones exactly),
# labelled with its speaker; a seeded split of whole dialogues.

def meddialog_turns(corpora) -> list[tuple[str, str]]:
    """(text, speaker) of every turn of the raw release, a repeated dialogue once."""
    raw = (corpora / "meddialog" / "COVID-Dialogue-Dataset-English.txt").read_text(encoding="utf-8")
    seen, turns = set(), []
    for block in re.split(r"\n(?=id=\d+\n)", raw):
        parts = re.split(r"^(Patient|Doctor):\n", block.split("\nDialogue\n", 1)[1], flags=re.M)[1:]
        pairs = tuple((" ".join(s.strip() for s in re.split(r"[\r\n]", text) if s.strip()), who.lower())
                      for who, text in zip(parts[::2], parts[1::2]))
        if pairs not in seen:
            seen.add(pairs)
            turns += pairs
    return turns


def test_meddialog_counts_labels_and_whole_dialogues_per_split(mirror_counts, mirror_sql, corpora):
    turns = meddialog_turns(corpora)
    assert len(turns) == 1226
    assert counts(mirror_counts, "MedDialog") == {"train": 981, "dev": 126, "test": 119}  # seeded: 1226 - 981 - 126
    rows = rows_of(mirror_sql, "MedDialog")
    assert Counter((text, label) for _, _, text, label in rows) == Counter(turns)
    splits_of = {}
    for split, doc, _, _ in rows:
        splits_of.setdefault(doc, set()).add(split)
    assert len(splits_of) == 601 and all(len(s) == 1 for s in splits_of.values())
    assert not any("\r" in text for _, _, text, _ in rows)


def test_meddialog_as_rendered(mirror_sql):
    rows = rows_of(mirror_sql, "MedDialog")
    assert sorted(r for r in rows if r[1] == "COVID-Dialogue-Dataset-English.txt:id=8@210") == [
        ("test", "COVID-Dialogue-Dataset-English.txt:id=8@210", "I have covid 19 symptoms?", "patient"),
        ("test", "COVID-Dialogue-Dataset-English.txt:id=8@210", "Without any details it's impossible to say.", "doctor"),
    ]
    # A turn whose lines end with a bare carriage return: its lines joined by spaces.
    doctor = [r[2] for r in rows if r[1] == "COVID-Dialogue-Dataset-English.txt:id=32@546" and r[3] == "doctor"]
    assert len(doctor) == 1 and doctor[0].startswith("Hello, * The pneumonia shot per se is not responsible for")


# AskAPatient-NED: fold 0's test file, a sample per line.

def test_ask_a_patient_counts_and_links(mirror_counts, mirror_sql, corpora):
    path = corpora / "ask_a_patient" / "AskAPatient" / "AskAPatient.fold-0.test.txt"
    lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert counts(mirror_counts, "AskAPatient-NED") == {"train": 0, "dev": 0, "test": len(lines)} == {
        "train": 0, "dev": 0, "test": 867}
    expected = Counter((phrase, f"[{phrase} <SNOMED-CT|AMT/{cid}>]") for cid, _, phrase in lines)
    assert Counter((i, o) for _, _, i, o in rows_of(mirror_sql, "AskAPatient-NED")) == expected


def test_ask_a_patient_as_rendered(mirror_sql):
    rows = [r for r in rows_of(mirror_sql, "AskAPatient-NED") if r[1] == "AskAPatient/AskAPatient.fold-0.test.txt:1"]
    assert rows == [("test", "AskAPatient/AskAPatient.fold-0.test.txt:1", "dislocating",
                     "[dislocating <SNOMED-CT|AMT/108367008>]")]
