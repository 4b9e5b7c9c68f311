"""The mirror's similarity tables (Bio-SimVerb, Bio-SimLex, EHR-Rel, MayoSRS, UMNSRS), GEOKhoj-v1 and SciCite,
built from the mirror: every task's rows per split, derived from the raw files with plain Python, and the
exact rendered strings of a few records."""

import csv
import io
import json
import math
import zipfile
from collections import Counter
from fractions import Fraction

import pytest

pytestmark = pytest.mark.integration

SOURCES = ("bio_sim_verb", "bio_simlex", "ehr_rel", "mayosrs", "umnsrs", "geokhoj_v1", "scicite")


def tsv_rows(path, header: bool) -> list[tuple[int, list[str]]]:
    """(line number, fields) of every non-blank row of a tab-separated file."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        rows = [(reader.line_num, row) for row in reader if row]
    return rows[1:] if header else rows


def half_up_on_0_to_5(score: str, lo: int, hi: int) -> str:
    """MedINST's 0-5 integer for a score on the source's [lo, hi] scale, in exact arithmetic."""
    return str(math.floor((Fraction(score) - lo) * 5 / (hi - lo) + Fraction(1, 2)))


def expected_scores(corpora, source: str, files: list[str], columns: tuple[int, int, int], header: bool,
                    scale: tuple[int, int] | None) -> dict[str, str]:
    """doc_id (declared file:line) -> the expected output, for every pair of a similarity table."""
    out = {}
    for name in files:
        for line, row in tsv_rows(corpora / source / name, header):
            score = row[columns[2]]
            out[f"{name}:{line}"] = half_up_on_0_to_5(score, *scale) if scale else str(math.floor(Fraction(score) + Fraction(1, 2)))
    return out


STS = [
    ("Bio-SimVerb", "bio_sim_verb", ["Bio-SimVerb.txt"], (0, 1, 2), False, (0, 10), 1000),
    ("Bio-SimLex", "bio_simlex", ["Bio-SimLex.txt"], (0, 1, 2), False, (0, 10), 988),
    ("EHR-Rel", "ehr_rel", ["EHR-RelA.tsv", "EHR-RelB.tsv"], (1, 3, 9), True, None, 3741),
    ("MayoSRS", "mayosrs", ["MayoSRS.txt"], (0, 1, 2), False, (1, 10), 101),
    ("UMNSRS", "umnsrs", ["UMNSRS-sim.txt", "UMNSRS-rel.txt"], (0, 1, 2), False, (0, 1600), 1153),
]


@pytest.mark.parametrize("task, source, files, columns, header, scale, size", STS, ids=[s[0] for s in STS])
def test_similarity_tables_every_pair_with_its_score_on_0_to_5(mirror_counts, mirror_sql, corpora, task, source,
                                                                files, columns, header, scale, size):
    expected = expected_scores(corpora, source, files, columns, header, scale)
    assert len(expected) == size  # Table 11: all train
    assert mirror_counts[task, "train"] == size
    assert (task, "dev") not in mirror_counts and (task, "test") not in mirror_counts
    got = dict(mirror_sql(f"select doc_id, output from instructions where task = '{task}'"))
    assert got == expected
    assert set(got.values()) <= {"0", "1", "2", "3", "4", "5"}  # what MedINST's MSE scorer can read


@pytest.mark.parametrize(
    "task, doc_id, text",
    [
        ("Bio-SimVerb", "Bio-SimVerb.txt:1", "Verb 1: depolymerize\nVerb 2: reduce"),  # 1.98 of 10
        ("Bio-SimLex", "Bio-SimLex.txt:1", "Noun 1: therapy\nNoun 2: treatment"),  # 9.32 of 10
        ("EHR-Rel", "EHR-RelA.tsv:3", "Concept 1: Abdominal pain\nConcept 2: Dysuria"),  # 1.6 of 3
        ("EHR-Rel", "EHR-RelB.tsv:330", 'Concept 1: C/O - "tired all the time"\nConcept 2: Breast lump symptom'),
        ("MayoSRS", "MayoSRS.txt:1", "Term 1: difficulty walking\nTerm 2: antalgic gait"),  # 6.69 on 1-10
        ("UMNSRS", "UMNSRS-sim.txt:2", "Term 1: carbatrol\nTerm 2: dilantin\nJudge: similarity"),  # 370.5 of 1600
        ("UMNSRS", "UMNSRS-rel.txt:1", "Term 1: carbatrol\nTerm 2: dilantin\nJudge: relatedness"),  # 797.5 of 1600
    ],
)
def test_similarity_inputs_as_rendered(mirror_sql, task, doc_id, text):
    rows = mirror_sql(f"select input, output from instructions where task = '{task}' and doc_id = '{doc_id}'")
    assert rows == [(text, {"Bio-SimVerb.txt:1": "1", "Bio-SimLex.txt:1": "5", "EHR-RelA.tsv:3": "2",
                            "EHR-RelB.tsv:330": "1", "MayoSRS.txt:1": "3", "UMNSRS-sim.txt:2": "1",
                            "UMNSRS-rel.txt:1": "2"}[doc_id])]


def geokhoj_rows(corpora) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(corpora / "geokhoj_v1" / "geokhoj_V1.zip") as z:
        return {split: list(csv.reader(io.StringIO(z.read(f"geokhoj_v1/data/{split}/geo_samples_{split}.csv")
                                                   .decode("utf-8"), newline="")))
                for split in ("train", "test")}


def test_geokhoj_counts_and_labels_per_split(mirror_counts, mirror_sql, corpora):
    raw = geokhoj_rows(corpora)
    names = {"0": "control", "1": "perturbation"}
    for split, rows in raw.items():
        assert mirror_counts["GEOKhoj-v1", split] == len(rows)
        got = dict(mirror_sql(f"select output, count(*) from instructions where task = 'GEOKhoj-v1' and split = '{split}' "
                              "group by 1"))
        assert got == Counter(names[row[1]] for row in rows)
    assert (mirror_counts["GEOKhoj-v1", "train"], mirror_counts["GEOKhoj-v1", "test"]) == (25000, 5000)
    assert ("GEOKhoj-v1", "dev") not in mirror_counts


def test_geokhoj_records_as_rendered(mirror_sql):
    member = "geokhoj_V1.zip/geokhoj_v1/data/test/geo_samples_test.csv"
    rows = mirror_sql("select doc_id, input, output from instructions where task = 'GEOKhoj-v1' "
                      f"and doc_id in ('{member}:1', '{member}:2') order by doc_id")
    assert rows == [
        (f"{member}:1", "Liver-WT_CR liver_2241_CR_9377360015 Liver-WT-CR mice tissue: Liver-WT-CR; gender: male; "
                        "genotype: CR mice", "control"),
        (f"{member}:2", "MPM tumor 29 MPM tumor specimen 29", "perturbation"),
    ]


def scicite_records(corpora, split: str) -> list[dict]:
    text = (corpora / "scicite" / "scicite" / f"{split}.jsonl").read_bytes().decode("utf-8")
    return [json.loads(line) for line in text.split("\r\n") if line.strip()]  # json reads the bare NaN too


def test_scicite_counts_and_labels_per_split(mirror_counts, mirror_sql, corpora):
    for split in ("dev", "test"):
        records = scicite_records(corpora, split)
        assert mirror_counts["SciCite", split] == len(records)
        got = dict(mirror_sql(f"select output, count(*) from instructions where task = 'SciCite' and split = '{split}' "
                              "group by 1"))
        assert got == Counter(r["label"] for r in records)
    assert (mirror_counts["SciCite", "dev"], mirror_counts["SciCite", "test"]) == (916, 1861)
    assert ("SciCite", "train") not in mirror_counts  # the mirror lacks train.jsonl (sizes_note)


def test_scicite_records_as_rendered(mirror_sql):
    first = "scicite/dev.jsonl:8f1fbe460a901d994e9b81d69f77bfbe32719f4c>5e413c7872f5df231bf4a4f694504384560e98ca_0"
    with_nan = "scicite/dev.jsonl:0f6eb29bb841f995dc63b78b34d23cb597f8c973>f3ae074a4b8c62f34dff16e623cd09d05effde59_0"
    rows = dict((d, (i, o)) for d, i, o in mirror_sql(
        f"select doc_id, input, output from instructions where task = 'SciCite' and doc_id in ('{first}', '{with_nan}')"))
    assert rows[first] == ("These results are in contrast with the findings of Santos et al.(16), who reported a "
                           "significant association between low sedentary time and healthy CVF among Portuguese",
                           "result")
    assert rows[with_nan] == (  # its source, citeStart and citeEnd are bare NaN
        "PFC patients and controls did not differ with respect to the amount of time spent making the first move on "
        "each tower, a finding consistent with previous studies (Andres & Van der Linden, 2001; Goel & Grafman, 1995; "
        "Jacobs & Anderson, 2002; Owen et al., 1990; Rushe et al., 1999).", "result")


def test_nothing_of_these_sources_was_quarantined(mirror_sql):
    assert mirror_sql(f"select count(*) from quarantine where source in {SOURCES}") == [(0,)]
