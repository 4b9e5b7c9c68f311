"""brat_v1's options for releases laid out or written unlike plain brat: texts in a tab-separated file or
in a folder of their own (`texts_tsv`, `annotations`), mention texts over several lines (`multiline_text`),
known slips of a written text (`read_from_offsets`), kinds of line not to read (`ignore`), CRLF texts."""

import zipfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import brat
from transforms.parsers._common import InputFile
from transforms.validate import partition

CORPUS = "11\tTP53 Arg72Pro is rs1042522.\n22\tNo variant here.\n"
ANNS = {
    "11.ann": "T1\tGene 0 4\tTP53\nT2\tSNP 5 13\tArg72Pro\nT3\tRS 17 26\trs1042522\n"
              "R1\tAssociatedTo Arg1:T2 Arg2:T1\nR2\tEquals Arg1:T2 Arg2:T3\n",
    "22.ann": "",
}


def folder(tmp_path, name: str, files: dict[str, str], split: str | None = None) -> InputFile:
    (tmp_path / name).mkdir()
    for file, text in files.items():
        (tmp_path / name / file).write_bytes(text.encode("utf-8"))
    return InputFile(tmp_path / name, name, split)


def tsv(tmp_path, text: str = CORPUS, anns: dict[str, str] = ANNS, **options) -> list[InputFile]:
    (tmp_path / "corpus.txt").write_text(text, encoding="utf-8")
    texts = InputFile(tmp_path / "corpus.txt", "corpus.txt", "train")
    return brat.parse([texts, folder(tmp_path, "annotations", anns)],
                      {"texts_tsv": "corpus.txt", "annotations": "annotations", **options}, "src")


def test_texts_tsv_makes_a_record_per_line_annotated_from_the_folder(tmp_path):
    df = tsv(tmp_path)
    assert df["id"].to_list() == ["corpus.txt/11", "corpus.txt/22"]
    assert df["document_id"].to_list() == ["11", "22"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["corpus.txt", "corpus.txt"]
    assert df["source_line"].to_list() == [1, 2]
    first = df.row(0, named=True)
    assert first["passages"] == [{"id": "corpus.txt/11-p0", "type": "paragraph", "text": ["TP53 Arg72Pro is rs1042522."],
                                  "offsets": [[0, 27]]}]
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in first["entities"]] == [
        ("11_T1", "Gene", ["TP53"], [[0, 4]]), ("11_T2", "SNP", ["Arg72Pro"], [[5, 13]]),
        ("11_T3", "RS", ["rs1042522"], [[17, 26]]),
    ]
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in first["relations"]] == [
        ("AssociatedTo", "11_T2", "11_T1"), ("Equals", "11_T2", "11_T3")
    ]
    assert df["entities"][1].to_list() == []
    MODELS["kb"].validate(df)


@pytest.mark.parametrize(
    ("text", "anns", "message", "file", "line"),
    [
        ("11\tTP53 Arg72Pro is rs1042522.\nno tab here\n", ANNS, "expected `id<TAB>text`", "corpus.txt", 2),
        ("11\tTP53 Arg72Pro is rs1042522.\n\t text\n", ANNS, "expected `id<TAB>text`", "corpus.txt", 2),
        ("11\tTP53 Arg72Pro is rs1042522.\n33\tMore.\n", ANNS, "no 33.ann", "corpus.txt", 2),
        ("11\tTP53 Arg72Pro is rs1042522.\n", ANNS, "not in corpus.txt", "annotations/22.ann", None),
    ],
)
def test_texts_tsv_errors_name_the_file_and_line(tmp_path, text, anns, message, file, line):
    with pytest.raises(SourceError, match=message) as err:
        tsv(tmp_path, text, anns)
    assert (err.value.file, err.value.line) == (file, line)


def test_texts_tsv_needs_the_annotations_folder(tmp_path):
    (tmp_path / "corpus.txt").write_text(CORPUS, encoding="utf-8")
    with pytest.raises(SourceError, match="`texts_tsv` needs `annotations`"):
        brat.parse([InputFile(tmp_path / "corpus.txt", "corpus.txt", "train")], {"texts_tsv": "corpus.txt"}, "src")


def test_a_malformed_annotation_line_names_its_file_and_line_with_texts_tsv(tmp_path):
    with pytest.raises(SourceError, match="expected `T# Type") as err:
        tsv(tmp_path, anns={**ANNS, "22.ann": "T1\tGene 0 x\tNo\n"})
    assert (err.value.file, err.value.line) == ("annotations/22.ann", 1)


def test_annotations_in_a_folder_of_their_own(tmp_path):
    texts = folder(tmp_path, "corpus", {"p1.txt": "MLH1 c.1852_1853delAAinsGC in Lynch syndrome\n"}, "train")
    notes = folder(tmp_path, "annotations", {"p1.ann": "T2_cancer\tdisease 30 44\tLynch syndrome\n"
                                                       "T7\tgene 0 4\tMLH1\nR1\trelatedTo Arg1:T2_cancer Arg2:T7\n"})
    df = brat.parse([texts, notes], {"annotations": "annotations"}, "src")
    assert (df["id"].to_list(), df["source_file"].to_list(), df["split"].to_list()) == (
        ["corpus/p1"], ["corpus/p1.txt"], ["train"])
    row = df.row(0, named=True)
    assert [(e["id"], e["text"]) for e in row["entities"]] == [("p1_T2_cancer", ["Lynch syndrome"]), ("p1_T7", ["MLH1"])]
    assert [(r["arg1_id"], r["arg2_id"]) for r in row["relations"]] == [("p1_T2_cancer", "p1_T7")]


def test_a_text_whose_annotations_are_not_in_the_annotations_folder_is_an_error(tmp_path):
    texts = folder(tmp_path, "corpus", {"p1.txt": "MLH1\n"}, "train")
    with pytest.raises(SourceError, match="no p1.ann .* in annotations") as err:
        brat.parse([texts, folder(tmp_path, "annotations", {"p2.ann": ""})], {"annotations": "annotations"}, "src")
    assert err.value.file == "corpus/p1.txt"


CRITERIA = "Age 18-65\r\n scheduled to receive general anesthesia\r\nHbA1c = 9%\r\n"
# offsets count the CRs (brat's do): line 2 starts at 11, line 3 at 53
MULTILINE = ("T1\tScope 0 9;12 51\tAge 18-65\n scheduled to receive general anesthesia\n"
             "T2\tMeasurement 53 58\tHbA1c\nT3\tValue 59 63\t= 9%\n")


def test_multiline_text_joins_lines_without_an_id_to_their_mention(tmp_path):
    docs = folder(tmp_path, "docs", {"d.txt": CRITERIA, "d.ann": MULTILINE}, "train")
    df = brat.parse([docs], {"multiline_text": True}, "src")
    assert [(e["id"], e["text"], e["offsets"]) for e in df["entities"][0]] == [
        ("d_T1", ["Age 18-65", "scheduled to receive general anesthesia"], [[0, 9], [12, 51]]),
        ("d_T2", ["HbA1c"], [[53, 58]]),
        ("d_T3", ["= 9%"], [[59, 63]]),
    ]
    assert partition(df, MODELS["kb"], source="src", task=None, stage="family")[1].height == 0


def test_without_multiline_text_a_continued_text_is_a_malformed_line(tmp_path):
    docs = folder(tmp_path, "docs", {"d.txt": CRITERIA, "d.ann": MULTILINE}, "train")
    with pytest.raises(SourceError, match="expected `ID<TAB>annotation`") as err:
        brat.parse([docs], {}, "src")
    assert (err.value.file, err.value.line) == ("docs/d.ann", 2)


def test_multiline_text_continues_only_a_mention(tmp_path):
    ann = "T2\tMeasurement 53 58\tHbA1c\nR1\tHas_value Arg1:T2 Arg2:T2\nstray words\n"
    docs = folder(tmp_path, "docs", {"d.txt": CRITERIA, "d.ann": ann}, "train")
    with pytest.raises(SourceError, match="expected `ID<TAB>annotation`") as err:
        brat.parse([docs], {"multiline_text": True}, "src")
    assert (err.value.file, err.value.line) == ("docs/d.ann", 3)


def test_a_carriage_return_reads_as_a_space_and_offsets_stay(tmp_path):
    ann = "T1\tMeasurement 53 58\tHbA1c\nT2\tValue 59 63\t= 9%\n"
    row = brat.parse([folder(tmp_path, "docs", {"d.txt": CRITERIA, "d.ann": ann}, "train")], {}, "src").row(0, named=True)
    assert [p["text"] for p in row["passages"]] == [["Age 18-65 "], [" scheduled to receive general anesthesia "],
                                                    ["HbA1c = 9% "]]
    assert [e["text"] for e in row["entities"]] == [["HbA1c"], ["= 9%"]]
    assert partition(brat.parse([folder(tmp_path, "again", {"d.txt": CRITERIA, "d.ann": ann}, "train")], {}, "src"),
                     MODELS["kb"], source="src", task=None, stage="family")[1].height == 0


def test_a_mention_ending_on_a_carriage_return_keeps_its_offsets(tmp_path):
    docs = folder(tmp_path, "docs", {"d.txt": CRITERIA, "d.ann": "T1\tScope 0 10\tAge 18-65\n"}, "train")
    df = brat.parse([docs], {}, "src")
    assert df["entities"][0].to_list()[0]["text"] == ["Age 18-65 "]
    assert partition(df, MODELS["kb"], source="src", task=None, stage="family")[1].height == 0


STALE = "T1\tVisit 4 15\tPerson Site\nT2\tCondition 16 22\tangina\nleft-over words\n"


def test_read_from_offsets_takes_a_listed_mentions_text_from_its_offsets(tmp_path):
    docs = folder(tmp_path, "docs", {"d.txt": "The Demographic angina\n", "d.ann": STALE}, "train")
    df = brat.parse([docs], {"multiline_text": True, "read_from_offsets": ["d:T1", "d:T2"]}, "src")
    assert [e["text"] for e in df["entities"][0]] == [["Demographic"], ["angina"]]
    assert partition(df, MODELS["kb"], source="src", task=None, stage="family")[1].height == 0


def test_an_unlisted_slip_is_still_quarantined(tmp_path):
    docs = folder(tmp_path, "docs", {"d.txt": "The Demographic angina\n", "d.ann": STALE}, "train")
    df = brat.parse([docs], {"multiline_text": True, "read_from_offsets": ["d:T2", "other:T1"]}, "src")
    assert df["entities"][0].to_list()[0]["text"] == ["Person Site"]
    assert partition(df, MODELS["kb"], source="src", task=None, stage="family")[1]["reason"].to_list() == [
        "entity offsets reproduce the text"]


def test_ignore_leaves_a_kind_of_line_unread(tmp_path):
    ann = "T1\tSNP 0 4\tE60X\nE1\tSNP:T1 \nT2\tSNP 5 9\tP32R\n"
    docs = folder(tmp_path, "docs", {"d.txt": "E60X P32R\n", "d.ann": ann}, "train")
    ignored = brat.parse([docs], {"ignore": ["E"]}, "src").row(0, named=True)
    assert ([e["text"] for e in ignored["entities"]], ignored["events"]) == ([["E60X"], ["P32R"]], [])
    # read as brat says, the bare E line makes T1 the trigger of an argument-less event, not a mention
    read = brat.parse([docs], {}, "src").row(0, named=True)
    assert ([e["text"] for e in read["entities"]], [e["type"] for e in read["events"]]) == ([["P32R"]], ["SNP"])


def test_annotations_in_an_archive(tmp_path):
    with zipfile.ZipFile(tmp_path / "ann.zip", "w") as z:
        z.writestr("11.ann", ANNS["11.ann"])
        z.writestr("__MACOSX/._11.ann", "junk")
    (tmp_path / "corpus.txt").write_text(CORPUS.splitlines(keepends=True)[0], encoding="utf-8")
    files = [InputFile(tmp_path / "corpus.txt", "corpus.txt", "train"), InputFile(tmp_path / "ann.zip", "ann.zip")]
    df = brat.parse(files, {"texts_tsv": "corpus.txt", "annotations": "ann.zip"}, "src")
    assert [e["text"] for e in df["entities"][0]] == [["TP53"], ["Arg72Pro"], ["rs1042522"]]
