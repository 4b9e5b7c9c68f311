import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import chemprot_tsv

# The title is 21 characters, so the abstract starts at 22 and "kinases" sits at 32-39.
ABSTRACTS = "100\tAspirin blocks COX-2.\tIt spares kinases.\n200\tNo entities.\tAt all.\n"
ENTITIES = "100\tT1\tCHEMICAL\t0\t7\tAspirin\n100\tT3\tGENE-N\t32\t39\tkinases\n100\tT2\tGENE-Y\t15\t20\tCOX-2\n"
GOLD = "100\tCPR:4\tArg1:T1\tArg2:T2\n"
RELATIONS = "100\tCPR:4\tY \tINHIBITOR\tArg1:T1\tArg2:T2\n100\tCPR:10\tN \tNOT\tArg1:T1\tArg2:T3\n"


@pytest.fixture
def release(input_file):
    def make(abstracts=ABSTRACTS, entities=ENTITIES, gold=GOLD, relations=RELATIONS, split="training"):
        return [
            input_file("cp_training_abstracts.tsv", abstracts, split),
            input_file("cp_training_entities.tsv", entities, split),
            input_file("cp_training_gold_standard.tsv", gold, split),
            input_file("cp_training_relations.tsv", relations, split),
        ]

    return make


def parse(files, **options):
    return chemprot_tsv.parse(files, options, "src")


def test_each_abstract_is_a_record_with_provenance(release):
    df = parse(release())
    assert df["id"].to_list() == ["cp_training_abstracts.tsv:100", "cp_training_abstracts.tsv:200"]
    assert df["document_id"].to_list() == ["100", "200"]
    assert df["split"].to_list() == ["training", "training"]
    assert df["source_file"].to_list() == ["cp_training_abstracts.tsv"] * 2
    assert df["source_line"].to_list() == [1, 2]


def test_title_and_abstract_passages_share_the_release_offsets(release):
    title, abstract = parse(release())["passages"][0]
    assert (title["text"], title["offsets"]) == (["Aspirin blocks COX-2."], [[0, 21]])
    assert (abstract["text"], abstract["offsets"]) == (["It spares kinases."], [[22, 40]])


def test_entities_keep_the_corpus_types(release):
    ents = parse(release())["entities"][0].to_list()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents] == [
        ("100-T1", "CHEMICAL", ["Aspirin"], [[0, 7]]),
        ("100-T3", "GENE-N", ["kinases"], [[32, 39]]),
        ("100-T2", "GENE-Y", ["COX-2"], [[15, 20]]),
    ]


def test_gold_standard_relations_by_default(release):
    df = parse(release())
    assert df["relations"][0].to_list() == [
        {"id": "100-r0", "type": "CPR:4", "arg1_id": "100-T1", "arg2_id": "100-T2", "normalized": []}
    ]
    assert df["relations"][1].to_list() == []


def test_all_relations_include_the_groups_not_evaluated(release):
    rels = parse(release(), relations="all")["relations"][0].to_list()
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in rels] == [
        ("CPR:4", "100-T1", "100-T2"), ("CPR:10", "100-T1", "100-T3")
    ]


def test_frame_validates_as_kb(release):
    MODELS[chemprot_tsv.FAMILY].validate(parse(release()))


@pytest.mark.parametrize(
    "field, text, file, line",
    [
        ("abstracts", "100\tOnly a title\n", "cp_training_abstracts.tsv", 1),
        ("abstracts", ABSTRACTS + "100\tAgain.\tRepeated.\n", "cp_training_abstracts.tsv", 3),
        ("entities", "100\tT1\tCHEMICAL\tx\t7\tAspirin\n", "cp_training_entities.tsv", 1),
        ("entities", ENTITIES + "999\tT1\tCHEMICAL\t0\t7\tAspirin\n", "cp_training_entities.tsv", 4),
        ("entities", ENTITIES + "100\tT1\tCHEMICAL\t0\t7\tAspirin\n", "cp_training_entities.tsv", 4),
        ("gold", GOLD + "100\tCPR:3\tArg1:T1\tArg2:T9\n", "cp_training_gold_standard.tsv", 2),
        ("gold", "100\tCPR:3\tT1\tArg2:T2\n", "cp_training_gold_standard.tsv", 1),
        ("gold", "100\tCPR:3\tArg1:T1\n", "cp_training_gold_standard.tsv", 1),
        ("gold", "200\tCPR:3\tArg1:T1\tArg2:T2\n", "cp_training_gold_standard.tsv", 1),
    ],
)
def test_malformed_line_names_its_file_and_line(release, field, text, file, line):
    with pytest.raises(SourceError) as err:
        parse(release(**{field: text}))
    assert (err.value.source, err.value.file, err.value.line) == ("src", file, line)


def test_split_without_entities_is_an_error(release):
    files = [f for f in release() if "entities" not in f.name]
    with pytest.raises(SourceError) as err:
        parse(files)
    assert "_entities" in str(err.value)


def test_file_of_no_known_kind_is_an_error(release, input_file):
    with pytest.raises(SourceError) as err:
        parse(release() + [input_file("readme.txt", "x")])
    assert err.value.file == "readme.txt"


def test_unknown_relations_option_is_an_error(release):
    with pytest.raises(SourceError):
        parse(release(), relations="some")


def test_drugprot_layout_labelled_relations_and_abstracs_files(input_file):
    # DrugProt: `*_abstracs.tsv` (sic) and a four-column `*_relations.tsv` (PMID, label, Arg1:T#, Arg2:T#).
    files = [
        input_file("drugprot_training_abstracs.tsv", ABSTRACTS, "training"),
        input_file("drugprot_training_entities.tsv", ENTITIES, "training"),
        input_file("drugprot_training_relations.tsv", "100\tINHIBITOR\tArg1:T1\tArg2:T2\n", "training"),
    ]
    df = parse(files, relations="labelled")
    assert df["id"].to_list() == ["drugprot_training_abstracs.tsv:100", "drugprot_training_abstracs.tsv:200"]
    assert df["relations"][0].to_list() == [
        {"id": "100-r0", "type": "INHIBITOR", "arg1_id": "100-T1", "arg2_id": "100-T2", "normalized": []}
    ]


def test_drugprot_relations_with_six_columns_name_the_line(input_file):
    files = [
        input_file("drugprot_training_abstracs.tsv", ABSTRACTS, "training"),
        input_file("drugprot_training_entities.tsv", ENTITIES, "training"),
        input_file("drugprot_training_relations.tsv", RELATIONS, "training"),
    ]
    with pytest.raises(SourceError) as err:
        parse(files, relations="labelled")
    assert (err.value.file, err.value.line) == ("drugprot_training_relations.tsv", 1)
