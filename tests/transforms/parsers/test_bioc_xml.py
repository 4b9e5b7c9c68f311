import gzip

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import InputFile, bioc_xml, pubtator

# BioC offsets are document-absolute; here the abstract starts at 44, one character further than
# BigBio's single-space join (43), so the parser must move its annotations back by one.
CID = """<relation id='R0'><infon key="relation">CID</infon><infon key="Chemical">D008012</infon>
<infon key="Disease">D006311</infon></relation>"""
CDR = f"""<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE collection SYSTEM 'BioC.dtd'>
<collection><source>PubTator</source>
<document><id>300</id>
<passage><infon key="type">title</infon><offset>0</offset>
<text>Ocular and auditory toxicity of lidocaine.</text>
<annotation id='0'><infon key="type">Disease</infon><infon key="MESH">D014786|D006311</infon>
<location offset='0' length='28' /><text>Ocular and auditory toxicity</text></annotation>
<annotation id='1'><infon key="type">Disease</infon><infon key="MESH">D014786</infon>
<location offset='0' length='6' /><location offset='20' length='8' /><text>Ocular toxicity</text></annotation>
<annotation id='2'><infon key="type">Chemical</infon><infon key="MESH">D008012</infon>
<location offset='32' length='9' /><text>lidocaine</text></annotation>
</passage>
<passage><infon key="type">abstract</infon><offset>44</offset>
<text>Lidocaine caused it.</text>
<annotation id='3'><infon key="type">Chemical</infon><infon key="MESH">D008012</infon>
<location offset='44' length='9' /><text>Lidocaine</text></annotation>
<annotation id='4'><infon key="type">Chemical</infon><infon key="MESH">-1</infon>
<location offset='61' length='2' /><text>it</text></annotation>
</passage>
{CID}
</document>
<document><id>400</id>
<passage><infon key="type">title</infon><offset>0</offset><text>Nothing.</text></passage>
<relation id='R0'><infon key="relation">binds</infon><node refid='x' role='A'/><node refid='y' role='B'/></relation>
</document>
</collection>
"""
OPTIONS = {"concept_args": ["Chemical", "Disease"]}


@pytest.fixture
def gz_file(tmp_path):
    def make(text: str, name: str = "cdr.BioC.xml.gz") -> InputFile:
        path = tmp_path / "f1e2d3"  # the raw cache names files by digest: only the declared name says gzip
        path.write_bytes(gzip.compress(text.encode("utf-8")))
        return InputFile(path, name, "train")

    return make


def first_document(text: str) -> str:
    """The fixture with its second document (whose relation nodes name nothing) cut off."""
    return text[: text.index("<document><id>400")] + "</collection>\n"


def parse(file, **options):
    return bioc_xml.parse([file], {**OPTIONS, **options}, "src")


def test_gzipped_file_is_read_and_each_document_is_a_record(gz_file):
    df = parse(gz_file(first_document(CDR)))
    assert df["document_id"].to_list() == ["300"]
    assert df["id"].to_list() == ["cdr.BioC.xml.gz:300:3"]
    assert (df["split"][0], df["source_file"][0], df["source_line"][0]) == ("train", "cdr.BioC.xml.gz", 3)


def test_passages_are_reoffset_as_one_space_joined_text(gz_file):
    title, abstract = parse(gz_file(first_document(CDR)))["passages"][0]
    assert (title["type"], title["offsets"]) == ("title", [[0, 42]])
    assert (abstract["type"], abstract["text"], abstract["offsets"]) == ("abstract", ["Lidocaine caused it."], [[43, 63]])


def test_annotations_become_entities_moved_with_their_passage(gz_file):
    ents = parse(gz_file(first_document(CDR)))["entities"][0].to_list()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents] == [
        ("300-e0", "Disease", ["Ocular and auditory toxicity"], [[0, 28]]),
        ("300-e1", "Disease", ["Ocular", "toxicity"], [[0, 6], [20, 28]]),
        ("300-e2", "Chemical", ["lidocaine"], [[32, 41]]),
        ("300-e3", "Chemical", ["Lidocaine"], [[43, 52]]),
        ("300-e4", "Chemical", ["it"], [[60, 62]]),
    ]
    assert ents[0]["normalized"] == [{"db_name": "MESH", "db_id": "D014786"}, {"db_name": "MESH", "db_id": "D006311"}]
    assert ents[4]["normalized"] == []  # -1: no identifier


def test_concept_relation_points_at_first_mentions_in_text_order(gz_file):
    rels = parse(gz_file(first_document(CDR)))["relations"][0].to_list()
    assert rels == [{
        "id": "300-r0", "type": "CID", "arg1_id": "300-e2", "arg2_id": "300-e0",
        "normalized": [{"db_name": "MESH", "db_id": "D008012"}, {"db_name": "MESH", "db_id": "D006311"}],
    }]


def test_frame_validates_as_kb(gz_file):
    MODELS[bioc_xml.FAMILY].validate(parse(gz_file(first_document(CDR))))


def test_node_relations_point_at_the_annotations_they_name(gz_file):
    nodes = "<relation id='R1'><infon key=\"type\">causes</infon><node refid='3'/><node refid='1'/></relation>"
    rel = parse(gz_file(first_document(CDR).replace(CID, nodes)))["relations"][0][0]
    assert (rel["id"], rel["type"], rel["arg1_id"], rel["arg2_id"], rel["normalized"]) == (
        "300-r0", "causes", "300-e3", "300-e1", []
    )


def test_node_naming_no_annotation_names_its_line(gz_file):
    with pytest.raises(SourceError) as err:
        parse(gz_file(CDR))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "cdr.BioC.xml.gz", 25)


def test_concept_without_a_mention_names_the_relation_line(gz_file):
    text = first_document(CDR).replace('<infon key="Disease">D006311</infon>', '<infon key="Disease">D999999</infon>')
    with pytest.raises(SourceError) as err:
        parse(gz_file(text))
    assert (err.value.file, err.value.line) == ("cdr.BioC.xml.gz", 20)
    assert "D999999" in str(err.value)


def test_concept_relation_without_concept_args_names_its_line(gz_file):
    with pytest.raises(SourceError) as err:
        bioc_xml.parse([gz_file(first_document(CDR))], {}, "src")
    assert (err.value.file, err.value.line) == ("cdr.BioC.xml.gz", 20)


def test_location_outside_its_passage_names_its_line(gz_file):
    text = first_document(CDR).replace("<location offset='61' length='2' />", "<location offset='61' length='9' />")
    with pytest.raises(SourceError) as err:
        parse(gz_file(text))
    assert (err.value.file, err.value.line) == ("cdr.BioC.xml.gz", 18)


def test_non_integer_offset_names_its_line(gz_file):
    text = first_document(CDR).replace("<location offset='32' length='9' />", "<location offset='x' length='9' />")
    with pytest.raises(SourceError) as err:
        parse(gz_file(text))
    assert (err.value.file, err.value.line) == ("cdr.BioC.xml.gz", 11)


def test_broken_xml_names_its_line(gz_file):
    text = first_document(CDR).replace("</passage>\n<relation", "</passagex>\n<relation")
    with pytest.raises(SourceError) as err:
        parse(gz_file(text))
    assert err.value.file == "cdr.BioC.xml.gz" and err.value.line == 19
    assert "not well-formed" in str(err.value)


def test_corrupt_gzip_names_the_file(tmp_path):
    path = tmp_path / "raw"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(SourceError) as err:
        parse(InputFile(path, "cdr.BioC.xml.gz", "train"))
    assert err.value.file == "cdr.BioC.xml.gz"


@pytest.mark.integration
def test_bc5cdr_bioc_and_pubtator_releases_agree(corpora):
    """On the mirror: same abstracts, texts and CID relations (by concept) in both formats."""
    root = corpora / "bc5cdr"
    for name in ("Training", "Development", "Test"):
        bioc = bioc_xml.parse([InputFile(root / f"CDR_{name}Set.BioC.xml.gz", f"CDR_{name}Set.BioC.xml.gz")],
                              OPTIONS, "bc5cdr")
        pt = pubtator.parse([InputFile(root / f"CDR_{name}Set.PubTator.txt", f"CDR_{name}Set.PubTator.txt")],
                            {}, "bc5cdr")
        assert bioc.height == pt.height == 500
        assert bioc["document_id"].to_list() == pt["document_id"].to_list()
        texts = [[p["text"] for p in ps] for ps in bioc["passages"].to_list()]
        assert texts == [[p["text"] for p in ps] for ps in pt["passages"].to_list()]
        concepts = lambda df: [[[n["db_id"] for n in r["normalized"]] for r in rs] for rs in df["relations"].to_list()]  # noqa: E731
        assert concepts(bioc) == concepts(pt)


def test_repeated_annotation_id_names_its_line(gz_file):
    text = first_document(CDR).replace("<annotation id='1'>", "<annotation id='0'>")
    with pytest.raises(SourceError) as err:
        parse(gz_file(text))
    assert (err.value.file, err.value.line) == ("cdr.BioC.xml.gz", 8)


# NLM-Gene-like: unprefixed ids joined by `,` or `;`, several values meaning none, an index annotation without a
# location, an annotation without text; one BioC file per abstract in a folder (or archive).
GENE = """<?xml version='1.0' encoding='UTF-8'?>
<collection><source>NLM-Gene</source>
<document><id>111</id>
<passage><infon key="type">title</infon><offset>0</offset><text>AKT and p53 in mice</text>
<annotation id='1'><infon key="type">Gene</infon><infon key="NCBI Gene identifier">207,208</infon>
<location offset='0' length='3' /><text>AKT</text></annotation>
<annotation id='2'><infon key="type">Gene</infon><infon key="NCBI Gene identifier">-222;7157</infon>
<location offset='8' length='3' /><text>p53</text></annotation>
<annotation id='3'><infon key="type">Index</infon><infon key="NCBI Gene identifier">7157</infon></annotation>
<annotation id='4'><infon key="type">Gene</infon><infon key="NCBI Gene identifier">-000</infon><text></text></annotation>
</passage>
</document>
</collection>
"""
GENE_OPTIONS = {"id_infons": ["NCBI Gene identifier"], "id_separators": [",", ";"], "no_ids": ["-1", "-000", "-222"],
                "default_db": "NCBIGene", "skip_types": ["Index"], "skip_empty_text": True}


def test_id_options_and_skipped_annotations(tmp_path):
    path = tmp_path / "111.BioC.XML"
    path.write_text(GENE)
    ents = bioc_xml.parse([InputFile(path, "111.BioC.XML", "train")], GENE_OPTIONS, "src")["entities"][0].to_list()
    assert [(e["id"], e["text"], e["offsets"]) for e in ents] == [("111-e1", ["AKT"], [[0, 3]]), ("111-e2", ["p53"], [[8, 11]])]
    assert [e["normalized"] for e in ents] == [
        [{"db_name": "NCBIGene", "db_id": "207"}, {"db_name": "NCBIGene", "db_id": "208"}],
        [{"db_name": "NCBIGene", "db_id": "7157"}],
    ]


def test_unlocated_annotation_is_an_error_unless_its_type_is_skipped(tmp_path):
    path = tmp_path / "111.BioC.XML"
    path.write_text(GENE)
    with pytest.raises(SourceError) as err:
        bioc_xml.parse([InputFile(path, "111.BioC.XML")], {**GENE_OPTIONS, "skip_types": [], "skip_empty_text": False},
                        "src")
    assert (err.value.file, err.value.line) == ("111.BioC.XML", 9)


def test_a_folder_is_read_file_by_file_and_names_them(tmp_path):
    folder = tmp_path / "FINAL"
    folder.mkdir()
    (folder / "111.BioC.XML").write_text(GENE)
    (folder / "222.BioC.XML").write_text(GENE.replace("<id>111</id>", "<id>222</id>"))
    (folder / "readme.txt").write_text("not BioC")
    df = bioc_xml.parse([InputFile(folder, "FINAL")], GENE_OPTIONS, "src")
    assert df["document_id"].to_list() == ["111", "222"]
    assert df["source_file"].to_list() == ["FINAL/111.BioC.XML", "FINAL/222.BioC.XML"]
    assert df["id"][0] == "FINAL/111.BioC.XML:111:3"


def test_an_archive_member_with_broken_xml_names_the_member_and_line(tmp_path):
    import zipfile

    path = tmp_path / "raw"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Corpus/FINAL/111.BioC.XML", GENE)
        z.writestr("Corpus/FINAL/222.BioC.XML", GENE.replace("</passage>", "</passagex>"))
    with pytest.raises(SourceError) as err:
        bioc_xml.parse([InputFile(path, "NLM-Gene-Corpus.zip")], GENE_OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("NLM-Gene-Corpus.zip/Corpus/FINAL/222.BioC.XML", 11)


def test_a_folder_without_bioc_files_is_an_error(tmp_path):
    (tmp_path / "FINAL").mkdir()
    (tmp_path / "FINAL" / "readme.txt").write_text("nothing")
    with pytest.raises(SourceError) as err:
        bioc_xml.parse([InputFile(tmp_path / "FINAL", "FINAL")], GENE_OPTIONS, "src")
    assert err.value.file == "FINAL"
