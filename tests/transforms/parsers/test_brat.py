import zipfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import brat
from transforms.parsers._common import InputFile
from transforms.validate import partition

TEXT = "IL-2 gene expression\nin T cells requires NF-kB binding.\n"
ANN = """\
T1\tProtein 0 4\tIL-2
T2\tProtein 41 46\tNF-kB
T3\tGene_expression 10 20\texpression
T4\tCell_type 24 31\tT cells
T5\tBinding 47 54\tbinding
T6\tDNA 0 4;5 9\tIL-2 gene
E1\tGene_expression:T3 Theme:T1
E2\tBinding:T5 Theme:T2 Site:T6
R1\tLocated_in Arg1:E1 Arg2:T4
*\tEquiv T1 T6
N1\tReference T2 UniProt:Q04206\tNF-kB
A1\tNegation E1
M1\tSpeculation E2
#1\tAnnotatorNotes T1\ta note
"""


def folder(tmp_path, name: str, files: dict[str, str], split: str | None = "train") -> InputFile:
    """A declared folder `name` holding the given files."""
    (tmp_path / name).mkdir()
    for file, text in files.items():
        (tmp_path / name / file).write_text(text, encoding="utf-8")
    return InputFile(tmp_path / name, name, split)


def parse(*files, **options):
    return brat.parse(list(files), options, "src")


def one(tmp_path, ann=ANN, text=TEXT, **options):
    return parse(folder(tmp_path, "docs", {"d1.txt": text, "d1.ann": ann}), **options).row(0, named=True)


def test_a_document_is_a_record_with_provenance(tmp_path):
    df = parse(folder(tmp_path, "docs", {"d1.txt": TEXT, "d1.ann": ANN, "d2.txt": "Nothing.", "d2.ann": ""}))
    assert df["id"].to_list() == ["docs/d1", "docs/d2"]
    assert df["document_id"].to_list() == ["d1", "d2"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["docs/d1.txt", "docs/d2.txt"]
    assert df["source_line"].to_list() == [1, 1]
    assert df["entities"][1].to_list() == []


def test_each_line_is_a_passage_so_newlines_read_as_spaces(tmp_path):
    assert one(tmp_path)["passages"] == [
        {"id": "docs/d1-p0", "type": "paragraph", "text": ["IL-2 gene expression"], "offsets": [[0, 20]]},
        {"id": "docs/d1-p1", "type": "paragraph", "text": ["in T cells requires NF-kB binding."],
         "offsets": [[21, 55]]},
    ]


def test_text_bound_annotations_other_than_triggers_are_entities(tmp_path):
    ents = one(tmp_path)["entities"]
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents] == [
        ("d1_T1", "Protein", ["IL-2"], [[0, 4]]),
        ("d1_T2", "Protein", ["NF-kB"], [[41, 46]]),
        ("d1_T4", "Cell_type", ["T cells"], [[24, 31]]),
        ("d1_T6", "DNA", ["IL-2", "gene"], [[0, 4], [5, 9]]),
    ]


def test_normalisations_attach_to_their_entity(tmp_path):
    ents = {e["id"]: e for e in one(tmp_path)["entities"]}
    assert ents["d1_T2"]["normalized"] == [{"db_name": "UniProt", "db_id": "Q04206"}]
    assert ents["d1_T1"]["normalized"] == []


def test_events_carry_their_trigger_and_arguments(tmp_path):
    assert one(tmp_path)["events"] == [
        {"id": "d1_E1", "type": "Gene_expression", "trigger": {"text": ["expression"], "offsets": [[10, 20]]},
         "arguments": [{"role": "Theme", "ref_id": "d1_T1"}]},
        {"id": "d1_E2", "type": "Binding", "trigger": {"text": ["binding"], "offsets": [[47, 54]]},
         "arguments": [{"role": "Theme", "ref_id": "d1_T2"}, {"role": "Site", "ref_id": "d1_T6"}]},
    ]


def test_relations_and_equivalences(tmp_path):
    record = one(tmp_path)
    assert record["relations"] == [
        {"id": "d1_R1", "type": "Located_in", "arg1_id": "d1_E1", "arg2_id": "d1_T4", "normalized": []}
    ]
    assert record["coreferences"] == [{"id": "d1_*1", "entity_ids": ["d1_T1", "d1_T6"]}]


def test_an_equivalence_naming_a_trigger_is_no_coreference(tmp_path):
    assert one(tmp_path, ANN.replace("*\tEquiv T1 T6", "*\tEquiv T1 T3"))["coreferences"] == []


def test_drop_trigger_relations_leaves_out_a_relation_naming_a_trigger(tmp_path):
    # GE 2013's `Coreference Subject:T Object:T` may name an event's trigger (T3), which is no entity.
    ann = ANN.replace("R1\tLocated_in Arg1:E1 Arg2:T4", "R1\tCoreference Subject:T4 Object:T3\n"
                      "R2\tCoreference Subject:T4 Object:T1\nR3\tLocated_in Arg1:E1 Arg2:T4")
    kept = one(tmp_path, ann, drop_trigger_relations=True)["relations"]
    assert [(r["id"], r["arg1_id"], r["arg2_id"]) for r in kept] == [("d1_R2", "d1_T4", "d1_T1"),
                                                                     ("d1_R3", "d1_E1", "d1_T4")]
    # Without the option the relation is read as written, and its record fails the id check.
    df = parse(folder(tmp_path, "again", {"d1.txt": TEXT, "d1.ann": ann}))
    assert [r["arg2_id"] for r in df["relations"][0]] == ["d1_T3", "d1_T1", "d1_T4"]
    valid, bad = partition(df, MODELS["kb"], source="src", task=None, stage="family")
    assert (valid.height, bad.height) == (0, 1)


def test_frame_validates_as_kb(tmp_path):
    MODELS[brat.FAMILY].validate(parse(folder(tmp_path, "docs", {"d1.txt": TEXT, "d1.ann": ANN})))


def test_a1_a2_files_and_trigger_less_events(tmp_path):
    docs = folder(tmp_path, "full_train", {
        "x.txt": "AGL15 regulates flowering.",
        "x.a1": "T1\tProtein 0 5\tAGL15\nT2\tDevelopment_Phase 16 25\tflowering\n",
        "x.a2": "E1\tRegulation_Of_Development_Phase Agent:T1 Development:T2\n",
        "README": "not a document",
    }, split="full_train")
    record = parse(docs).row(0, named=True)
    assert record["source_file"] == "full_train/x.txt"
    assert [e["id"] for e in record["entities"]] == ["x_T1", "x_T2"]
    assert record["events"] == [
        {"id": "x_E1", "type": "Regulation_Of_Development_Phase", "trigger": {"text": [], "offsets": []},
         "arguments": [{"role": "Agent", "ref_id": "x_T1"}, {"role": "Development", "ref_id": "x_T2"}]}
    ]
    MODELS["kb"].validate(parse(docs))


def test_events_of_listed_folders_are_read_as_relations(tmp_path):
    files = {"x.txt": "AGL15 regulates flowering.", "x.a1": "T1\tProtein 0 5\tAGL15\nT2\tPhase 16 25\tflowering\n",
             "x.a2": "E1\tRegulates_Development_Phase Agent:T1 Development:T2\n"}
    record = parse(folder(tmp_path, "binary", files), events_as_relations=["binary"]).row(0, named=True)
    assert record["events"] == []
    assert record["relations"] == [{"id": "x_E1", "type": "Regulates_Development_Phase", "arg1_id": "x_T1",
                                    "arg2_id": "x_T2", "normalized": []}]


def test_a_mention_across_a_line_break_takes_the_documents_text(tmp_path):
    record = one(tmp_path, "T1\tThing 10 23\texpression in\n")
    assert record["entities"][0]["text"] == ["expression in"]
    MODELS["kb"].validate(parse(folder(tmp_path, "more", {"d.txt": TEXT, "d.ann": "T1\tThing 10 23\texpression in\n"})))


def test_a_mention_that_is_not_the_text_at_its_offsets_is_quarantined(tmp_path):
    df = parse(folder(tmp_path, "docs", {"d1.txt": TEXT, "d1.ann": "T1\tProtein 1 5\tIL-2\n"}))
    assert df["entities"][0][0]["text"] == ["IL-2"]  # what the annotation wrote, not the text's "L-2 "
    valid, bad = partition(df, MODELS["kb"], source="src", task=None, stage="family")
    assert (valid.height, bad["reason"].to_list(), bad["file"].to_list()) == (
        0, ["entity offsets reproduce the text"], ["docs/d1.txt"]
    )


SENTENCES = "IL-2 in T cells.\nIL-2 binds NF-kB. It acts e.g. here in cells. Done (see Fig. 2).\n"
SENTENCE_ANN = "T1\tProtein 0 4\tIL-2\nT2\tProtein 17 21\tIL-2\nT3\tProtein 28 33\tNF-kB\nT4\tCell 56 61\tcells\n"


def test_sentences_option_makes_a_record_per_sentence(tmp_path):
    df = parse(folder(tmp_path, "abstracts", {"p1.txt": SENTENCES, "p1.ann": SENTENCE_ANN}), sentences=True)
    assert df["id"].to_list() == ["abstracts/p1:0", "abstracts/p1:1", "abstracts/p1:2", "abstracts/p1:3"]
    assert df["document_id"].to_list() == ["p1_0", "p1_1", "p1_2", "p1_3"]
    assert df["source_line"].to_list() == [1, 2, 2, 2]
    assert [p[0]["text"][0] for p in df["passages"].to_list()] == [
        "IL-2 in T cells.", "IL-2 binds NF-kB.", "It acts e.g. here in cells.", "Done (see Fig. 2)."
    ]
    assert [[(e["text"], e["offsets"]) for e in ents] for ents in df["entities"].to_list()] == [
        [(["IL-2"], [[0, 4]])], [(["IL-2"], [[0, 4]]), (["NF-kB"], [[11, 16]])], [(["cells"], [[21, 26]])], []
    ]
    MODELS["kb"].validate(df)


def test_sentences_never_cut_inside_a_mention(tmp_path):
    ann = SENTENCE_ANN + "T5\tThing 56 67\tcells. Done\n"
    df = parse(folder(tmp_path, "abstracts", {"p1.txt": SENTENCES, "p1.ann": ann}), sentences=True)
    assert df["passages"][2][0]["text"] == ["It acts e.g. here in cells. Done (see Fig. 2)."]


def test_sentences_refuse_documents_with_events(tmp_path):
    with pytest.raises(SourceError, match="text-bound annotations only") as err:
        one(tmp_path, sentences=True)
    assert err.value.file == "docs/d1.ann"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("T9\tProtein x 4\tIL-2", "expected `T# Type start end"),
        ("T9\tProtein 0 4", "expected `T# Type start end"),
        ("T1\tProtein 0 4\tIL-2", "annotation id T1 repeats"),
        ("E9\tBinding:T5 Theme-T2", "expected `Role:ID` arguments"),
        ("E9\tBinding:T77 Theme:T2", "names trigger T77, which is not a text-bound annotation"),
        ("R9\tRel Arg1:T1 Arg2:T2 Arg3:T4", "exactly two arguments"),
        ("N9\tReference T3 UniProt:P1", "normalisation of T3, which is not an entity"),
        ("X1\tsomething", "not a BRAT annotation line"),
        ("T9", "expected `ID<TAB>annotation`"),
    ],
)
def test_a_malformed_line_names_the_annotation_file_and_line(tmp_path, line, message):
    ann = ANN.replace("#1\tAnnotatorNotes", line + "\n#1\tAnnotatorNotes")
    with pytest.raises(SourceError, match=message) as err:
        one(tmp_path, ann)
    assert (err.value.source, err.value.file, err.value.line) == ("src", "docs/d1.ann", 14)


def test_a_malformed_line_of_an_a2_file_names_it(tmp_path):
    docs = folder(tmp_path, "dev", {"x.txt": "AGL15", "x.a1": "T1\tProtein 0 5\tAGL15\n", "x.a2": "\nE1\tType Agent\n"})
    with pytest.raises(SourceError) as err:
        parse(docs)
    assert (err.value.file, err.value.line) == ("dev/x.a2", 2)


def test_a_text_without_annotation_file_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="no d1.ann") as err:
        parse(folder(tmp_path, "docs", {"d1.txt": TEXT}))
    assert err.value.file == "docs/d1.txt"


def test_a_declared_file_that_is_not_a_folder_is_an_error(input_file):
    with pytest.raises(SourceError, match="kind: directory"):
        parse(input_file("d1.ann", ANN))


def zipped(tmp_path, name: str, members: dict[str, str]) -> InputFile:
    """A declared zip archive `name` holding the given members."""
    with zipfile.ZipFile(tmp_path / name, "w") as z:
        for member, text in members.items():
            z.writestr(member, text)
    return InputFile(tmp_path / name, name, "train")


def test_an_archive_is_read_as_released_without_its_packing_debris(tmp_path):
    archive = zipped(tmp_path, "rel_train.zip", {
        "rel_train/d1.txt": "IL-2 binds.",
        "rel_train/d1.a1": "T1\tProtein 0 4\tIL-2\n",
        "__MACOSX/rel_train/._d1.txt": "\x00\x05junk",
        "rel_train/._d1.a1": "junk",
    })
    df = parse(archive)
    assert df["id"].to_list() == ["rel_train.zip/rel_train/d1"]
    assert df["document_id"].to_list() == ["d1"]
    assert df["source_file"].to_list() == ["rel_train.zip/rel_train/d1.txt"]
    assert [e["text"] for e in df["entities"][0]] == [["IL-2"]]


def test_a_rel_file_beside_the_a1_adds_its_entities_relations_and_equivalences(tmp_path):
    docs = folder(tmp_path, "devel", {
        "d.txt": "p53 subunit of the complex",
        "d.a1": "T1\tProtein 0 3\tp53\n",
        "d.rel": "T2\tEntity 4 11\tsubunit\nR1\tSubunit-Complex Arg1:T2 Arg2:T1\n*\tEquiv T1 T2\n",
    })
    row = parse(docs).row(0, named=True)
    assert [(e["type"], e["text"]) for e in row["entities"]] == [("Protein", ["p53"]), ("Entity", ["subunit"])]
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in row["relations"]] == [("Subunit-Complex", "d_T2", "d_T1")]
    assert [c["entity_ids"] for c in row["coreferences"]] == [["d_T1", "d_T2"]]


def test_only_equiv_groups_are_coreference(tmp_path):
    ann = "T1\tDrug 0 4\tIL-2\nT2\tDrug 41 46\tNF-kB\n*\tOR T1 T2\n"
    assert one(tmp_path, ann=ann)["coreferences"] == []


def test_a_member_that_is_not_utf8_names_the_archive_member_and_line(tmp_path):
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as z:
        z.writestr("d/x.txt", "ok")
        z.writestr("d/x.ann", b"T1\tX 0 2\tok\n\xff\n")
    with pytest.raises(SourceError) as err:
        parse(InputFile(tmp_path / "b.zip", "b.zip", "train"))
    assert (err.value.file, err.value.line) == ("b.zip/d/x.ann", 2)
