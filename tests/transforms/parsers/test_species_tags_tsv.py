import io
import tarfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import species_tags_tsv
from transforms.parsers._common import InputFile
from transforms.validate import partition

OPTIONS = {"tags": "manual-corpus-species-1.0/tags.tsv", "texts": "manual-corpus-species-1.0/txt"}
HEADER = "#species id\tdocument\tstart\tend\ttext\tcomment\n"
TEXT = "Infection of Mus musculus cells and human tissue.\nMice were used.\n"
TAGS = (HEADER + "species:ncbi:10090\tpmcA1\t13\t25\tMus musculus\t\n"
        "species:ncbi:9606\tpmcA1\t36\t41\thuman\tcommon name\n"
        "species:ncbi:10090\tpmcA1\t50\t54\tMice\t\n")
RELEASE = {"manual-corpus-species-1.0/txt/pmcA1.txt": TEXT, "manual-corpus-species-1.0/txt/pmcB2.txt": "None.\n",
           "manual-corpus-species-1.0/tags.tsv": TAGS}
FUZZ_SAMPLE = ("linnaeus", OPTIONS, [("manual-corpus-species-1.0.tar.gz", "documents",
                                      {k: v.encode() for k, v in RELEASE.items()})])


def _tarball(tmp_path, members: dict[str, str]):
    path = tmp_path / "corpus.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        for name, text in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            t.addfile(info, io.BytesIO(text.encode()))
    return [InputFile(path, "manual-corpus-species-1.0.tar.gz", "documents")]


def test_a_record_per_tagged_document_with_normalised_mentions(tmp_path):
    frame = species_tags_tsv.parse(_tarball(tmp_path, RELEASE), OPTIONS, "linnaeus")
    assert frame.height == 1  # pmcB2 has no tags
    record = frame.row(0, named=True)
    assert (record["id"], record["document_id"], record["split"], record["source_line"]) == (
        "manual-corpus-species-1.0.tar.gz:pmcA1", "pmcA1", "documents", 2)
    assert record["passages"][0]["text"] == [TEXT.rstrip()]
    assert [(e["id"], e["type"], e["text"], e["offsets"], e["normalized"]) for e in record["entities"]] == [
        ("pmcA1-T0", "species", ["Mus musculus"], [[13, 25]], [{"db_name": "ncbi", "db_id": "10090"}]),
        ("pmcA1-T1", "species", ["human"], [[36, 41]], [{"db_name": "ncbi", "db_id": "9606"}]),
        ("pmcA1-T2", "species", ["Mice"], [[50, 54]], [{"db_name": "ncbi", "db_id": "10090"}]),
    ]
    valid, quarantine = partition(frame, MODELS["kb"], source="linnaeus", task=None, stage="family")
    assert (valid.height, quarantine.height) == (1, 0)


def test_a_folder_and_default_paths(tmp_path):
    for name, text in RELEASE.items():
        (tmp_path / "release" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "release" / name).write_text(text)
    frame = species_tags_tsv.parse([InputFile(tmp_path / "release", "corpus", None)], {}, "linnaeus")
    assert frame["document_id"].to_list() == ["pmcA1"]


def test_a_written_text_that_is_not_the_span_is_kept_for_the_check_to_quarantine(tmp_path):
    tags = HEADER + "species:ncbi:9606\tpmcA1\t36\t41\thumans\t\n"
    frame = species_tags_tsv.parse(_tarball(tmp_path, {**RELEASE, OPTIONS["tags"]: tags}), OPTIONS, "linnaeus")
    valid, quarantine = partition(frame, MODELS["kb"], source="linnaeus", task=None, stage="family")
    assert (valid.height, quarantine.height) == (0, 1)


@pytest.mark.parametrize("tags, message, line", [
    (HEADER + "species:ncbi:9606\tpmcA1\t36\n", "expected 6 tab-separated fields", 2),
    (HEADER + "species:9606\tpmcA1\t36\t41\thuman\t\n", "expected `type:db:id`", 2),
    (HEADER + "species:ncbi:9606\tpmcA1\t36\tx\thuman\t\n", "numeric offsets", 2),
    (HEADER + "species:ncbi:9606\tpmcA1\t36\t41\thuman\t\nspecies:ncbi:9606\tpmcA1\t41\t36\thuman\t\n",
     "is not within", 3),
    (HEADER + "species:ncbi:9606\tpmcA1\t36\t999\thuman\t\n", "is not within", 2),
    (HEADER + "species:ncbi:9606\tpmcZ9\t0\t4\tNone\t\n", "has no text", 2),
])
def test_malformed_tags_name_file_and_line(tmp_path, tags, message, line):
    with pytest.raises(SourceError) as e:
        species_tags_tsv.parse(_tarball(tmp_path, {**RELEASE, OPTIONS["tags"]: tags}), OPTIONS, "linnaeus")
    assert message in str(e.value)
    assert (e.value.file, e.value.line) == ("manual-corpus-species-1.0.tar.gz/manual-corpus-species-1.0/tags.tsv", line)


def test_no_tags_file(tmp_path):
    with pytest.raises(SourceError, match="no tags file") as e:
        species_tags_tsv.parse(_tarball(tmp_path, {"manual-corpus-species-1.0/txt/a.txt": "x"}), OPTIONS, "linnaeus")
    assert e.value.file == "manual-corpus-species-1.0.tar.gz"
