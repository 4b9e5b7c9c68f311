import io
import tarfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import gpml
from transforms.parsers._common import InputFile, Tree

# Two articles in GENIA's GPML: nested terms, a coordination with elliptic pieces (no sem), a term of
# a sentence's tail, and the second article's title of two sentences.
CORPUS = """\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE set SYSTEM "gpml.dtd">
<set>
<import resource="GENIAontology.daml" prefix="G"></import>
<article>
<articleinfo>
<bibliomisc>MEDLINE:95369245</bibliomisc>
</articleinfo>
<title>
<sentence><cons lex="IL-2_gene_expression" sem="G#other_name"><cons lex="IL-2_gene" sem="G#DNA_domain_or_region">\
IL-2 gene</cons> expression</cons> in <cons lex="T_cell" sem="G#cell_type">T cells</cons>.</sentence>
</title>
<abstract>
<sentence>Both <cons lex="(AND B_cell T_cell)" sem="(AND G#cell_type G#cell_type)"><cons lex="B*">B</cons> and \
<cons lex="T*">T</cons> <cons lex="*cell">cells</cons></cons> respond.</sentence>
<sentence>No terms here.</sentence>
</abstract>
</article>
<article>
<articleinfo><bibliomisc>MEDLINE:7</bibliomisc></articleinfo>
<title><sentence>A &amp; B.</sentence><sentence>On <cons lex="CD28" sem="G#protein_molecule">CD28</cons>.</sentence>\
</title>
<abstract></abstract>
</article>
</set>
"""
MEMBER = "GENIA_term_3.02/GENIAcorpus3.02.xml"


def parse(*files, **options):
    return gpml.parse(list(files), options, "src")


def tgz(tmp_path, members: dict[str, str], name: str = "corpus.tgz") -> InputFile:
    """A gzipped tar holding `members` ({path inside: text}), declared as `name`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for inside, text in members.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(inside)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / "blob"  # the raw cache names files by digest: the declared name is what counts
    path.write_bytes(buf.getvalue())
    return InputFile(path, name, "train")


def test_each_article_is_a_record_with_title_and_abstract_passages(input_file):
    df = parse(input_file("c.xml", CORPUS))
    assert df["id"].to_list() == ["c.xml:95369245", "c.xml:7"]
    assert df["document_id"].to_list() == ["95369245", "7"]
    assert df["source_file"].to_list() == ["c.xml", "c.xml"]
    assert df["source_line"].to_list() == [5, 17]
    assert df["split"].to_list() == ["train", "train"]
    first, second = df["passages"].to_list()
    assert [(p["type"], p["text"], p["offsets"]) for p in first] == [
        ("title", ["IL-2 gene expression in T cells."], [[0, 32]]),
        ("abstract", ["Both B and T cells respond. No terms here."], [[33, 75]]),
    ]
    # sentences joined by a space; an abstract without sentences is no passage
    assert [(p["type"], p["text"], p["offsets"]) for p in second] == [("title", ["A & B. On CD28."], [[0, 15]])]


def test_every_term_with_a_sem_is_a_mention_nested_and_coordinated_alike(input_file):
    ents = parse(input_file("c.xml", CORPUS))["entities"].to_list()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents[0]] == [
        ("95369245-T0", "DNA_domain_or_region", ["IL-2 gene"], [[0, 9]]),
        ("95369245-T1", "other_name", ["IL-2 gene expression"], [[0, 20]]),
        ("95369245-T2", "cell_type", ["T cells"], [[24, 31]]),
        ("95369245-T3", "cell_type", ["B and T cells"], [[38, 51]]),  # its pieces B, T, cells are not terms
    ]
    assert [(e["type"], e["text"], e["offsets"]) for e in ents[1]] == [("protein_molecule", ["CD28"], [[10, 14]])]


def test_frame_validates_as_kb(input_file):
    MODELS[gpml.FAMILY].validate(parse(input_file("c.xml", CORPUS)))


def test_member_of_an_archive_is_read_in_place_and_named_in_provenance(tmp_path):
    df = parse(tgz(tmp_path, {MEMBER: CORPUS, "GENIA_term_3.02/LICENSE": "text"}), member=MEMBER)
    assert df["source_file"].to_list() == [f"corpus.tgz/{MEMBER}"] * 2
    assert df["id"].to_list() == [f"corpus.tgz/{MEMBER}:95369245", f"corpus.tgz/{MEMBER}:7"]


def test_an_article_annotated_twice_is_two_records(input_file):
    article = CORPUS[CORPUS.index("<article>"):CORPUS.index("</article>") + len("</article>")]
    df = parse(input_file("c.xml", CORPUS.replace("</set>", article + "\n</set>")))
    assert df["id"].to_list() == ["c.xml:95369245", "c.xml:7", "c.xml:95369245#2"]
    assert df["document_id"].to_list() == ["95369245", "7", "95369245"]


@pytest.mark.parametrize(
    "old, new, line, message",
    [
        ('sem="(AND G#cell_type G#cell_type)"', 'sem="(AND G#cell_type G#cell_line)"', 13, "several classes"),
        ('sem="G#cell_type">T cells', 'sem="(AND)">T cells', 10, "no class"),
        ("<bibliomisc>MEDLINE:7</bibliomisc>", "<bibliomisc></bibliomisc>", 17, "MEDLINE id"),
        ('<cons lex="CD28" sem="G#protein_molecule">CD28</cons>', '<cons lex="CD28" sem="G#x"> </cons>', 19,
         "no text"),
        ("</sentence>\n</title>", "</sentence>\n</titl>", 11, "not well-formed"),
    ],
)
def test_malformed_corpus_names_file_and_line(input_file, old, new, line, message):
    assert old in CORPUS
    with pytest.raises(SourceError) as err:
        parse(input_file("c.xml", CORPUS.replace(old, new, 1)))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "c.xml", line)
    assert message in err.value.reason


def test_malformed_member_names_the_member_and_line(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tgz(tmp_path, {MEMBER: CORPUS.replace("</set>", "</sat>")}), member=MEMBER)
    assert (err.value.file, err.value.line) == (f"corpus.tgz/{MEMBER}", 22)


def test_a_member_the_archive_lacks_is_an_error(tmp_path):
    with pytest.raises(SourceError) as err:
        parse(tgz(tmp_path, {"other.xml": CORPUS}), member=MEMBER)
    assert err.value.file == "corpus.tgz" and MEMBER in err.value.reason


def test_a_document_without_articles_is_an_error(input_file):
    with pytest.raises(SourceError) as err:
        parse(input_file("c.xml", "<set>\n</set>\n"))
    assert (err.value.file, err.value.line) == ("c.xml", 1)


def test_a_truncated_archive_is_a_source_error_naming_it(tmp_path):
    """Tree (shared): a tar.gz cut short fails while listing its members, as a SourceError."""
    whole = tgz(tmp_path, {MEMBER: CORPUS * 50})
    whole.path.write_bytes(whole.path.read_bytes()[:-200])
    with pytest.raises(SourceError) as err:
        Tree(whole, "src")
    assert err.value.file == "corpus.tgz" and "unreadable archive" in err.value.reason
