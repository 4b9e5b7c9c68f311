import io
import tarfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import InputFile, answer_passages_xml
from transforms.validate import partition

HOW = b"""<?xml version="1.0" encoding="UTF-8"?>
<collection>
  <question>
    <text>How do  plants make sugar?</text>
    <answer>
      <justification>By photosynthesis,
        in the chloroplasts.</justification>
      <docid>DOC-8.1</docid>
      <sentences>1, 2</sentences>
    </answer>
    <answer><justification>Light energy drives it.</justification><docid>DOC-8.2</docid><sentences>4</sentences>
    </answer>
  </question>
  <question><text>How do cells move?</text>
    <answer><justification>With flagella.</justification><docid>DOC-6.7</docid><sentences>3</sentences></answer>
  </question>
</collection>
"""
WHY = b"<collection><question><text>Why?</text><answer><justification>So.</justification><docid>D</docid>" \
      b"<sentences>1</sentences></answer></question></collection>"
MEMBERS = {"Corpus/GoldHOW.all.xml": "how", "Corpus/GoldWHY.all.xml": "why"}

FUZZ_SAMPLE = ("biology_how_why_corpus", {"members": MEMBERS},
               [("BiologyHowWhyCorpus.tar", "train", {"Corpus/GoldHOW.all.xml": HOW, "Corpus/GoldWHY.all.xml": WHY})])


def _tar(tmp_path, members: dict[str, bytes]) -> InputFile:
    path = tmp_path / "c.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return InputFile(path, "c.tar", "train")


def test_one_record_per_answer_passage(tmp_path):
    df = answer_passages_xml.parse([_tar(tmp_path, {"Corpus/GoldHOW.all.xml": HOW, "Corpus/GoldWHY.all.xml": WHY})],
                                   {"members": MEMBERS}, "src")
    name = "c.tar/Corpus/GoldHOW.all.xml"
    assert df.rows() == [
        (f"{name}:1:1", "DOC-8.1", "train", name, 5, "how-1", "How do plants make sugar?", "summary", [], "",
         ["By photosynthesis, in the chloroplasts."]),
        (f"{name}:1:2", "DOC-8.2", "train", name, 11, "how-1", "How do plants make sugar?", "summary", [], "",
         ["Light energy drives it."]),
        (f"{name}:2:1", "DOC-6.7", "train", name, 15, "how-2", "How do cells move?", "summary", [], "",
         ["With flagella."]),
        ("c.tar/Corpus/GoldWHY.all.xml:1:1", "D", "train", "c.tar/Corpus/GoldWHY.all.xml", 1, "why-1", "Why?",
         "summary", [], "", ["So."]),
    ]
    valid, bad = partition(df, MODELS["qa"], source="src", task=None, stage="family")
    assert (valid.height, bad.height) == (4, 0)


@pytest.mark.parametrize(
    "xml, line, message",
    [
        (b"<collection>\n<question><text>Q</text>\n</collection>", 3, "not well-formed XML"),
        (b"<collection>\n<question>\n<answer><docid>D</docid></answer><text>Q</text></question></collection>", 3,
         "has no <justification>"),
        (b"<collection>\n<question>\n<answer/></question></collection>", 2, "has no <text>"),
    ],
)
def test_malformed_xml_names_member_and_line(tmp_path, xml, line, message):
    with pytest.raises(SourceError, match=message) as err:
        answer_passages_xml.parse([_tar(tmp_path, {"Corpus/GoldHOW.all.xml": xml})],
                                  {"members": {"Corpus/GoldHOW.all.xml": "how"}}, "src")
    assert (err.value.file, err.value.line) == ("c.tar/Corpus/GoldHOW.all.xml", line)


def test_a_missing_member_is_named(tmp_path):
    with pytest.raises(SourceError, match="no member 'Corpus/GoldWHY.all.xml'") as err:
        answer_passages_xml.parse([_tar(tmp_path, {"Corpus/GoldHOW.all.xml": HOW})], {"members": MEMBERS}, "src")
    assert err.value.file == "c.tar"
