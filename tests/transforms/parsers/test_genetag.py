import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import genetag
from transforms.parsers._common import InputFile

SENTENCES = """\
@@11 The/TAG AP-4/TAG HLH/TAG motif/TAG binds/TAG ./.
@@12 No/TAG genes/TAG here/TAG ./.
@@13 CREB/TAG //TAG ATF/TAG and/TAG p53/TAG ./.
"""
# 0-based token indices, the last inclusive; a token may itself be a slash (`//TAG`).
GOLD = """\
@@13|4 4|p53
@@11|2 3|HLH motif
@@13|0 2|CREB / ATF
@@11|1 1|AP-4"""


def parse(*files, **options):
    return genetag.parse(list(files), options, "src")


@pytest.fixture
def release(input_file):
    def make(sentences: str = SENTENCES, gold: str = GOLD, split: str = "train"):
        return (input_file("TOKENIZED_CORPUS", sentences, split), input_file("Gold.format", gold, split))

    return make


def test_each_sentence_is_a_record_of_its_space_joined_tokens(release):
    df = parse(*release())
    assert df["id"].to_list() == ["TOKENIZED_CORPUS:11", "TOKENIZED_CORPUS:12", "TOKENIZED_CORPUS:13"]
    assert df["document_id"].to_list() == ["11", "12", "13"]
    assert df["source_file"].to_list() == ["TOKENIZED_CORPUS"] * 3
    assert df["source_line"].to_list() == [1, 2, 3]
    assert df["split"].to_list() == ["train"] * 3
    assert [p[0]["text"] for p in df["passages"].to_list()] == [
        ["The AP-4 HLH motif binds ."], ["No genes here ."], ["CREB / ATF and p53 ."]
    ]


def test_token_indices_become_character_offsets(release):
    ents = parse(*release())["entities"].to_list()
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in ents[0]] == [
        ("11-e0", "NEWGENE", ["HLH motif"], [[9, 18]]),
        ("11-e1", "NEWGENE", ["AP-4"], [[4, 8]]),
    ]
    assert ents[1] == []
    assert [(e["id"], e["text"], e["offsets"]) for e in ents[2]] == [
        ("13-e0", ["p53"], [[15, 18]]),
        ("13-e1", ["CREB / ATF"], [[0, 10]]),
    ]


def test_type_option_names_the_entity_type(release):
    assert parse(*release(), type="Gene")["entities"][0][0]["type"] == "Gene"


def test_frame_validates_as_kb(release):
    MODELS[genetag.FAMILY].validate(parse(*release()))


def test_splits_are_read_from_their_own_folders(tmp_path):
    files = []
    for split in ("train", "round1"):  # declared as <split>/<file>, the release's layout
        for name, text in (("TOKENIZED_CORPUS", SENTENCES), ("Gold.format", GOLD)):
            path = tmp_path / f"{split}-{name}"
            path.write_text(text)
            files.append(InputFile(path, f"{split}/{name}", split))
    df = parse(*files)
    assert df["split"].to_list() == ["train"] * 3 + ["round1"] * 3
    assert df["id"].to_list()[3] == "round1/TOKENIZED_CORPUS:11"
    assert df["source_file"].to_list()[3] == "round1/TOKENIZED_CORPUS"


@pytest.mark.parametrize(
    "gold, line, message",
    [
        ("@@11|1 1|AP-4\n@@11|2 3HLH motif\n", 2, "expected `@@SENTENCE_ID|first last|mention`"),
        ("@@11|1 x|AP-4\n", 1, "expected `@@SENTENCE_ID|first last|mention`"),
        ("11|1 1|AP-4\n", 1, "expected a sentence id"),
        ("@@99|0 0|No\n", 1, "which TOKENIZED_CORPUS lacks"),
        ("@@12|0 9|No genes\n", 1, "outside a sentence of 4 tokens"),
        ("@@12|2 1|genes\n", 1, "outside a sentence of 4 tokens"),
        ("@@11|1 1|AP-4\n@@11|1 2|AP-4\n", 2, "is not its tokens 1-2"),
    ],
)
def test_malformed_gold_line_names_its_line(release, gold, line, message):
    with pytest.raises(SourceError) as err:
        parse(*release(gold=gold))
    assert (err.value.source, err.value.file, err.value.line) == ("src", "Gold.format", line)
    assert message in err.value.reason


def test_skip_lines_leaves_out_named_defective_gold_lines(release):
    gold = "@@11|1 1|AP-4\n@@11|2 3HLH motif\n@@11|2 2|hlh\n@@13|4 4|p53\n"
    df = parse(*release(gold=gold), skip_lines={"Gold.format": [2, 3]})
    assert [[e["text"][0] for e in ents] for ents in df["entities"].to_list()] == [["AP-4"], [], ["p53"]]


def test_skip_lines_of_an_undeclared_file_is_an_error(release):
    with pytest.raises(SourceError) as err:
        parse(*release(), skip_lines={"test/Gold.format": [1]})
    assert "not declared" in err.value.reason


@pytest.mark.parametrize(
    "sentences, line, message",
    [
        (SENTENCES + "@@14 A/TAG B\n", 4, "expected `token/TAG`"),
        (SENTENCES + "@@14\n", 4, "expected `token/TAG`"),
        (SENTENCES + "14 A/TAG\n", 4, "expected a sentence id"),
        (SENTENCES + "@@11 Again/TAG\n", 4, "repeats (first on line 1)"),
    ],
)
def test_malformed_sentence_names_its_line(release, sentences, line, message):
    with pytest.raises(SourceError) as err:
        parse(*release(sentences=sentences))
    assert (err.value.file, err.value.line) == ("TOKENIZED_CORPUS", line)
    assert message in err.value.reason


def test_split_without_its_gold_file_is_an_error(release):
    sentences, _ = release()
    with pytest.raises(SourceError) as err:
        parse(sentences)
    assert "no mentions file" in err.value.reason


def test_undeclared_kind_of_file_is_an_error(input_file, release):
    with pytest.raises(SourceError) as err:
        parse(*release(), input_file("Correct.Data", "@@11|1 1|AP-4\n"))
    assert err.value.file == "Correct.Data"
