import io
import tarfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import InputFile, bioc_csv

# Bio-ID's layout: BioC legends (a document per figure panel) and annotations.csv, offsets into the legend.
XML = """<?xml version='1.0' encoding='UTF-8'?>
<collection><source>SourceData</source><date>00000000</date><key>sourcedata.key</key>
<document><id>1-A</id><infon key="pmc_id">4286420</infon><infon key="sourcedata_figure_dir">Figure 1-A</infon>
<passage><offset>0</offset><text>p53 levels in mice (HeLa).</text></passage>
</document>
<document><id>1-B</id><infon key="pmc_id">4286420</infon><infon key="sourcedata_figure_dir">Figure 1-B</infon>
<passage><offset>0</offset><text>Nuclear staining.</text></passage>
</document>
</collection>
"""
CSV = """don_article,figure,first left,last right,text,obj
4286420,Figure 1-A,0,3,p53,Uniprot:P04637|NCBI gene:7157
4286420,Figure 1-A,14,18,mice,NCBI taxon:10090
4286420,Figure 1-A,20,24,HeLa,CVCL_0030
4286420,Figure 1-B,0,7,Nuclear,subcellular:nucleus
9999999,Figure 2-A,0,3,p53,Uniprot:P04637
"""
OPTIONS = {"texts": "Bio/caption_bioc", "annotations": "Bio/annotations.csv",
           "join": {"don_article": "pmc_id", "figure": "sourcedata_figure_dir"}, "start": "first left",
           "end": "last right", "text": "text", "concept": "obj", "bare_db": "Cellosaurus",
           "unnormalized": ["subcellular"], "db_types": {"Uniprot": "protein", "NCBI taxon": "species"}}
FUZZ_SAMPLE = ("bioid", OPTIONS, [("Bio.tar.gz", "train", {"Bio/caption_bioc/4286420.xml": XML.encode(),
                                                           "Bio/annotations.csv": CSV.encode()})])


def _tar(tmp_path, xml: str = XML, annotations: str = CSV) -> InputFile:
    path = tmp_path / "raw"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in (("Bio/caption_bioc/4286420.xml", xml), ("Bio/annotations.csv", annotations)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return InputFile(path, "Bio.tar.gz", "train")


def test_each_document_is_a_record_with_its_csv_mentions(tmp_path):
    df = bioc_csv.parse([_tar(tmp_path)], OPTIONS, "src")
    MODELS["kb"].validate(df)
    assert df["document_id"].to_list() == ["4286420/Figure 1-A", "4286420/Figure 1-B"]
    assert df["source_file"].to_list() == ["Bio.tar.gz/Bio/caption_bioc/4286420.xml"] * 2
    assert df["id"][0] == "Bio.tar.gz/Bio/caption_bioc/4286420.xml:4286420/Figure 1-A:3"
    assert (df["split"][0], df["source_line"][1]) == ("train", 6)
    assert df["passages"][0][0]["text"] == ["p53 levels in mice (HeLa)."]
    ents = df["entities"][0].to_list()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents] == [
        ("4286420/Figure 1-A-e0", "protein", ["p53"], [[0, 3]]),
        ("4286420/Figure 1-A-e1", "species", ["mice"], [[14, 18]]),
        ("4286420/Figure 1-A-e2", "Cellosaurus", ["HeLa"], [[20, 24]]),
    ]
    assert [e["normalized"] for e in ents] == [
        [{"db_name": "Uniprot", "db_id": "P04637"}, {"db_name": "NCBI gene", "db_id": "7157"}],
        [{"db_name": "NCBI taxon", "db_id": "10090"}],
        [{"db_name": "Cellosaurus", "db_id": "CVCL_0030"}],
    ]
    other = df["entities"][1].to_list()
    assert [(e["type"], e["normalized"]) for e in other] == [("subcellular", [])]


def test_a_folder_reads_like_the_archive(tmp_path):
    (tmp_path / "rel" / "Bio" / "caption_bioc").mkdir(parents=True)
    (tmp_path / "rel" / "Bio" / "caption_bioc" / "4286420.xml").write_text(XML)
    (tmp_path / "rel" / "Bio" / "annotations.csv").write_text(CSV)
    df = bioc_csv.parse([InputFile(tmp_path / "rel", "rel")], OPTIONS, "src")
    assert df.height == 2 and df["source_file"][0] == "rel/Bio/caption_bioc/4286420.xml"


@pytest.mark.parametrize("bad, line", [
    ("4286420,Figure 1-A,x,3,p53,Uniprot:P04637", 2),  # offsets not integers
    ("4286420,Figure 1-A,20,99,p53,Uniprot:P04637", 2),  # past the legend's end
])
def test_bad_csv_rows_name_their_line(tmp_path, bad, line):
    csv = CSV.replace(CSV.splitlines()[1], bad)
    with pytest.raises(SourceError) as err:
        bioc_csv.parse([_tar(tmp_path, annotations=csv)], OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("Bio.tar.gz/Bio/annotations.csv", line)


def test_missing_column_names_the_header(tmp_path):
    with pytest.raises(SourceError) as err:
        bioc_csv.parse([_tar(tmp_path, annotations=CSV.replace("obj", "object", 1))], OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("Bio.tar.gz/Bio/annotations.csv", 1)
    assert "obj" in str(err.value)


def test_document_without_its_key_infon_names_its_line(tmp_path):
    xml = XML.replace('<infon key="pmc_id">4286420</infon><infon key="sourcedata_figure_dir">Figure 1-B</infon>', "")
    with pytest.raises(SourceError) as err:
        bioc_csv.parse([_tar(tmp_path, xml=xml)], OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("Bio.tar.gz/Bio/caption_bioc/4286420.xml", 6)


def test_broken_xml_names_its_line(tmp_path):
    with pytest.raises(SourceError) as err:
        bioc_csv.parse([_tar(tmp_path, xml=XML.replace("</passage>\n</document>\n<document>", "</passagex>\n</document>\n<document>"))], OPTIONS, "src")
    assert (err.value.file, err.value.line) == ("Bio.tar.gz/Bio/caption_bioc/4286420.xml", 4)


def test_missing_annotations_file_names_the_archive(tmp_path):
    with pytest.raises(SourceError) as err:
        bioc_csv.parse([_tar(tmp_path)], {**OPTIONS, "annotations": "Bio/other.csv"}, "src")
    assert err.value.file == "Bio.tar.gz"
