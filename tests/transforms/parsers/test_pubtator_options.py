"""pubtator_v1's options for corpora whose id columns are not NCBI-disease's: BioRED, GNormPlus, tmVar 1-3."""

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import InputFile, pubtator

# Offsets: "BRCA1 and tamoxifen in women." is 29 characters; the abstract starts at 30.
BIORED = """\
500|t|BRCA1 and tamoxifen in women.
500|a|The c.68_69delAG variant (rs80357914) of BRCA1 in MCF-7 cells.
500\t0\t5\tBRCA1\tGeneOrGeneProduct\t672,675
500\t10\t19\ttamoxifen\tChemicalEntity\tD013629
500\t23\t28\twomen\tOrganismTaxon\t9606
500\t34\t46\tc.68_69delAG\tSequenceVariant\tc|DEL|68_69|AG
500\t56\t66\trs80357914\tSequenceVariant\trs80357914
500\t71\t76\tBRCA1\tGeneOrGeneProduct\t672
500\t80\t85\tMCF-7\tCellLine\t CVCL_0031
500\tNegative_Correlation\tD013629\t672\tNovel
500\tAssociation\tc|DEL|68_69|AG\t9606\tNo
"""
BIORED_OPTIONS = {
    "id_separators": [","],
    "id_rewrites": [[r"^(rs\d+)$", r"DBSNP:\1"]],
    "default_db": {"GeneOrGeneProduct": "NCBIGene", "ChemicalEntity": "MESH", "OrganismTaxon": "NCBITaxon",
                   "SequenceVariant": "tmVar", "CellLine": "Cellosaurus"},
}


def parse(file, **options):
    return pubtator.parse([file], options, "src")


def ids(entity):
    return [(n["db_name"], n["db_id"]) for n in entity["normalized"]]


def test_comma_joined_ids_with_a_database_per_type(input_file):
    ents = parse(input_file("b.txt", BIORED), **BIORED_OPTIONS)["entities"][0]
    assert [ids(e) for e in ents] == [
        [("NCBIGene", "672"), ("NCBIGene", "675")],
        [("MESH", "D013629")],
        [("NCBITaxon", "9606")],
        [("tmVar", "c|DEL|68_69|AG")],  # the key's `|` is not a separator here
        [("DBSNP", "rs80357914")],
        [("NCBIGene", "672")],
        [("Cellosaurus", "CVCL_0031")],
    ]


def test_five_field_relations_point_at_first_mentions_read_by_their_type(input_file):
    df = parse(input_file("b.txt", BIORED), **BIORED_OPTIONS)
    assert df["relations"][0].to_list() == [
        # 672 is one of the two ids of the first BRCA1 mention (672,675): that mention is the argument
        {"id": "500-r0", "type": "Negative_Correlation", "arg1_id": "500-e1", "arg2_id": "500-e0",
         "normalized": [{"db_name": "MESH", "db_id": "D013629"}, {"db_name": "NCBIGene", "db_id": "672"}]},
        # the novelty flag (Novel / No) is read and not kept
        {"id": "500-r1", "type": "Association", "arg1_id": "500-e3", "arg2_id": "500-e2",
         "normalized": [{"db_name": "tmVar", "db_id": "c|DEL|68_69|AG"}, {"db_name": "NCBITaxon", "db_id": "9606"}]},
    ]
    MODELS[pubtator.FAMILY].validate(df)


def test_a_type_without_a_default_database_names_its_line(input_file):
    options = {**BIORED_OPTIONS, "default_db": {"GeneOrGeneProduct": "NCBIGene"}}
    with pytest.raises(SourceError) as err:
        parse(input_file("b.txt", BIORED), **options)
    assert (err.value.file, err.value.line) == ("b.txt", 4)
    assert "ChemicalEntity" in str(err.value)


def test_relation_line_with_six_fields_is_malformed(input_file):
    text = BIORED.replace("\tNo\n", "\tNo\textra\n")
    with pytest.raises(SourceError) as err:
        parse(input_file("b.txt", text), **BIORED_OPTIONS)
    assert (err.value.file, err.value.line) == ("b.txt", 11)


TMVAR = """\
600|t|V600E in BRAF
600|a|c.1799T>A.
600\t0\t5\tV600E\tProteinMutation\tp|SUB|V|600|E;Gene:673,674;RS#:113488022;VariantGroup:0
600\t9\t13\tBRAF\tGene\t673;674,675
600\t14\t23\tc.1799T>A\tDNAMutation\tc|SUB|T|1799|A,G;Gene;673;Disease:-
"""
TMVAR_OPTIONS = {
    "id_separators": {"Gene": [";", ","], "ProteinMutation": [";", ","], "DNAMutation": [";"]},
    "default_db": {"Gene": "NCBIGene", "ProteinMutation": "GENE", "DNAMutation": "GENE"},
    "id_rewrites": [[r"^([^:]*\|.*)$", r"TMVAR:\1"], [r"^RS#:(\d+)$", r"DBSNP:rs\1"], [r"^Gene$", ""]],
}


def test_entries_then_ids_an_unprefixed_id_taking_its_entrys_prefix(input_file):
    ents = parse(input_file("t.txt", TMVAR), **TMVAR_OPTIONS)["entities"][0]
    assert ids(ents[0]) == [("TMVAR", "p|SUB|V|600|E"), ("GENE", "673"), ("GENE", "674"), ("DBSNP", "rs113488022"),
                            ("VARIANTGROUP", "0")]
    assert ids(ents[1]) == [("NCBIGene", "673"), ("NCBIGene", "674"), ("NCBIGene", "675")]
    # `;` only for this type: the key's comma stays; `Gene` alone is rewritten away, `-` is no id
    assert ids(ents[2]) == [("TMVAR", "c|SUB|T|1799|A,G"), ("GENE", "673")]


def test_no_separator_reads_the_column_as_one_id(input_file):
    text = "1|t|Ser290/Ala291fs\n1|a|x\n1\t0\t15\tSer290/Ala291fs\tProteinMutation\tp|FS|S,A|290+291||\n"
    ents = parse(input_file("t.txt", text), default_db="tmVar", id_separators=[])["entities"][0]
    assert ids(ents[0]) == [("tmVar", "p|FS|S,A|290+291||")]


def test_ids_from_two_columns(input_file):
    text = ("1|t|S276T and rs2234671\n1|a|x\n1\t0\t5\tS276T\tProteinMutation\tp|SUB|S|276|T\tRSID:2234671\n"
            "1\t10\t19\trs2234671\tSNP\trs2234671\n")
    options = {"default_db": "tmVar", "id_separators": [], "id_columns": [6, 7],
               "id_rewrites": [[r"^(rs\d+)$", r"DBSNP:\1"], [r"^RSID:(\d+)$", r"DBSNP:rs\1"]]}
    ents = parse(input_file("t.txt", text), **options)["entities"][0]
    assert [ids(e) for e in ents] == [[("tmVar", "p|SUB|S|276|T"), ("DBSNP", "rs2234671")], [("DBSNP", "rs2234671")]]


def test_the_default_ignores_a_seventh_column(input_file):
    text = "1|t|S276T\n1|a|x\n1\t0\t5\tS276T\tProteinMutation\tD001\tRSID:2234671\n"
    assert ids(parse(input_file("t.txt", text))["entities"][0][0]) == [("MESH", "D001")]


# "Krüppel box": the file counts the mention after `ü` in bytes, one character late.
SHIFTED = "7|t|Krüppel box and KRAB\n7|a|x\n7\t0\t11\tKrüppel box\tDomainMotif\n7\t17\t21\tKRAB\tDomainMotif\n"


def test_realign_moves_a_mention_to_its_text_nearby(input_file):
    ents = parse(input_file("g.txt", SHIFTED), realign=2)["entities"][0]
    assert [e["offsets"] for e in ents] == [[[0, 11]], [[16, 20]]]


def test_realign_leaves_a_mention_that_is_too_far_for_validation_to_catch(input_file):
    df = parse(input_file("g.txt", SHIFTED.replace("\t17\t21\t", "\t19\t23\t")), realign=2)
    assert df["entities"][0][1]["offsets"] == [[19, 23]]
    assert [e["offsets"] for e in parse(input_file("g.txt", SHIFTED))["entities"][0]] == [[[0, 11]], [[17, 21]]]


MALFORMED = """\
18|t|P29S here
18|a|and there.
18\t0\t4\tP29S\tp|SUB|P|29|S\tRSID:2075789
18\tTranslation P29S\tthere
"""
FIXES = [
    {"file": "m.txt", "line": 3, "find": "\tp|SUB|P|29|S\t", "replace": "\tProteinMutation\tp|SUB|P|29|S\t"},
    {"file": "m.txt", "line": 4, "find": "18\tTranslation P29S\t"},
]


def test_line_fixes_repair_one_line_and_skip_another(input_file):
    df = parse(input_file("m.txt", MALFORMED), id_separators=[], line_fixes=FIXES)
    ent = df["entities"][0][0]
    assert (ent["type"], ent["text"], ids(ent)) == ("ProteinMutation", ["P29S"], [("MESH", "p|SUB|P|29|S")])
    assert len(df["entities"][0]) == 1 and df["relations"][0].to_list() == []


def test_without_its_fix_the_three_field_line_names_its_line(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("m.txt", MALFORMED), id_separators=[], line_fixes=FIXES[:1])
    assert (err.value.source, err.value.file, err.value.line) == ("src", "m.txt", 4)


def test_a_fix_that_does_not_apply_names_its_line(input_file):
    fixes = [{**FIXES[0], "line": 2}, FIXES[1]]
    with pytest.raises(SourceError) as err:
        parse(input_file("m.txt", MALFORMED), id_separators=[], line_fixes=fixes)
    assert (err.value.file, err.value.line) == ("m.txt", 2)
    assert "p|SUB|P|29|S" in str(err.value)


def test_a_fix_after_the_end_of_the_file_is_an_error(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("m.txt", MALFORMED), id_separators=[], line_fixes=[*FIXES, {**FIXES[1], "line": 40}])
    assert (err.value.file, err.value.line) == ("m.txt", 40)


def test_a_fix_for_a_file_not_declared_is_an_error(input_file):
    with pytest.raises(SourceError, match=r"not declared: \['other.txt'\]"):
        parse(input_file("m.txt", MALFORMED), line_fixes=[FIXES[0], {**FIXES[1], "file": "other.txt"}])


@pytest.mark.parametrize("fixes", [[{"file": "m.txt", "line": 3}], [FIXES[0], {**FIXES[1], "line": 3}], ["m.txt:3"]])
def test_a_malformed_fix_or_two_for_one_line_is_a_source_error(input_file, fixes):
    with pytest.raises(SourceError, match="line_fixes"):
        parse(input_file("m.txt", MALFORMED), line_fixes=fixes)


def test_type_separator_makes_one_entity_per_type_with_the_ids_on_the_first(tmp_path):
    path = tmp_path / "corpus_pubtator.txt"
    path.write_text("1|t|DCTN4 gene\n1|a|Insulin.\n1\t0\t5\tDCTN4\tT116,T123\tUMLS:C4308010\n"
                    "1\t11\t18\tInsulin\tT116\tC0021641\n\n")
    df = pubtator.parse([InputFile(path, "corpus_pubtator.txt")], {"type_separator": ",", "default_db": "UMLS"}, "src")
    ents = df["entities"][0].to_list()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents] == [
        ("1-e0", "T116", ["DCTN4"], [[0, 5]]), ("1-e1", "T123", ["DCTN4"], [[0, 5]]),
        ("1-e2", "T116", ["Insulin"], [[11, 18]])]
    assert [e["normalized"] for e in ents] == [[{"db_name": "UMLS", "db_id": "C4308010"}], [],
                                               [{"db_name": "UMLS", "db_id": "C0021641"}]]
