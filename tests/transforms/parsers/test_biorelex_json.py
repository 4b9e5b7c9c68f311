import json

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import biorelex_json
from transforms.parsers._common import InputFile

OPTIONS = {
    "id_fields": {"entrez_gene": "NCBI gene", "hgnc_symbol": "hgnc"},
    "links": [
        {"match": r"^https://www\.uniprot\.org/uniprot/([A-Z0-9]+)$", "db": "uniprot"},
        {"match": r"^https://www\.ncbi\.nlm\.nih\.gov/gene/(?:\?term=)?([0-9]+)$", "db": "NCBI gene"},
        {"match": r"^https://pubchem\.ncbi\.nlm\.nih\.gov/compound/([0-9]+)$", "db": "pubchem:compound"},
    ],
}


def grounding(link, entrez="NA", hgnc="NA"):
    return {"comment": "", "entrez_gene": entrez, "hgnc_symbol": hgnc, "link": link, "organism": "", "source": "x"}


SENTENCES = [
    {
        "paperid": "111", "id": "rx.train.0", "url": None, "_line_": 7,
        "text": "EGFR (ErbB1) binds ATP; EGFR also binds itself.",
        "entities": [
            {"label": "protein", "is_state": False, "is_mentioned": True, "is_mutant": False,
             "names": {"EGFR": {"is_mentioned": True, "mentions": [[0, 4], [24, 28]]},
                       "ErbB1": {"is_mentioned": True, "mentions": [[6, 11]]}},
             "grounding": grounding("https://www.uniprot.org/uniprot/P00533", "1956", "EGFR")},
            {"label": "chemical", "is_state": False, "is_mentioned": True, "is_mutant": False,
             "names": {"ATP": {"is_mentioned": True, "mentions": [[19, 22]]},
                       "adenosine triphosphate": {"is_mentioned": False, "mentions": []}},
             "grounding": grounding("https://pubchem.ncbi.nlm.nih.gov/compound/5957")},
        ],
        "interactions": [
            {"participants": [0, 1], "type": "bind", "implicit": False, "label": 1},
            {"participants": [0, 0], "type": "bind", "implicit": False, "label": -1},
        ],
    },
    {
        "paperid": "222", "id": "rx.train.1", "url": None, "_line_": 9,
        "text": "Grb2 binds a gene group.",
        "entities": [
            {"label": "protein", "is_state": False, "is_mentioned": True, "is_mutant": False,
             "names": {"Grb2": {"is_mentioned": True, "mentions": [[0, 4]]}},
             "grounding": grounding("https://www.ncbi.nlm.nih.gov/gene/?term=2885")},
            {"label": "gene-family", "is_state": False, "is_mentioned": True, "is_mutant": False,
             "names": {"gene group": {"is_mentioned": True, "mentions": [[13, 23]]}},
             "grounding": grounding("https://www.genenames.org/data/genegroup/")},
        ],
        "interactions": [],
    },
]


def write(tmp_path, text: str, name="rx.train.json", split="train") -> InputFile:
    path = tmp_path / "cached-by-digest"
    path.write_text(text, encoding="utf-8")
    return InputFile(path, name, split)


def parse(tmp_path, sentences=SENTENCES, options=OPTIONS, text=None):
    raw = json.dumps(sentences, indent=1) if text is None else text
    return biorelex_json.parse([write(tmp_path, raw)], options, "src")


def test_one_record_per_sentence_with_the_line_it_starts_on(tmp_path):
    df = parse(tmp_path)
    assert df["id"].to_list() == ["rx.train.json:rx.train.0", "rx.train.json:rx.train.1"]
    assert df["document_id"].to_list() == ["rx.train.0", "rx.train.1"]
    assert df["split"].to_list() == ["train", "train"]
    assert df["source_file"].to_list() == ["rx.train.json", "rx.train.json"]
    raw = json.dumps(SENTENCES, indent=1)
    assert df["source_line"].to_list() == [2, raw[: raw.index('{\n  "paperid": "222"')].count("\n") + 1]
    assert df.row(0, named=True)["passages"] == [
        {"id": "rx.train.0", "type": "sentence", "text": [SENTENCES[0]["text"]], "offsets": [[0, 47]]}
    ]


def test_every_mention_is_an_entity_and_each_entity_a_chain(tmp_path):
    row = parse(tmp_path).row(0, named=True)
    assert [(e["id"], e["type"], e["text"], e["offsets"]) for e in row["entities"]] == [
        ("E0.0", "protein", ["EGFR"], [[0, 4]]),
        ("E0.1", "protein", ["EGFR"], [[24, 28]]),
        ("E0.2", "protein", ["ErbB1"], [[6, 11]]),
        ("E1.0", "chemical", ["ATP"], [[19, 22]]),
    ]
    assert row["coreferences"] == [{"id": "C0", "entity_ids": ["E0.0", "E0.1", "E0.2"]},
                                   {"id": "C1", "entity_ids": ["E1.0"]}]


def test_groundings_become_normalisations_of_every_mention(tmp_path):
    df = parse(tmp_path)
    first, second = (df.row(i, named=True)["entities"] for i in (0, 1))
    assert first[0]["normalized"] == [{"db_name": "NCBI gene", "db_id": "1956"}, {"db_name": "hgnc", "db_id": "EGFR"},
                                      {"db_name": "uniprot", "db_id": "P00533"}]
    assert first[2]["normalized"] == first[0]["normalized"]
    assert first[3]["normalized"] == [{"db_name": "pubchem:compound", "db_id": "5957"}]
    assert second[0]["normalized"] == [{"db_name": "NCBI gene", "db_id": "2885"}]
    assert second[1]["normalized"] == []  # a link without an id


def test_the_same_id_from_a_field_and_a_link_is_kept_once(tmp_path):
    sentences = json.loads(json.dumps(SENTENCES))
    sentences[1]["entities"][0]["grounding"]["entrez_gene"] = "2885"
    row = parse(tmp_path, sentences).row(1, named=True)
    assert row["entities"][0]["normalized"] == [{"db_name": "NCBI gene", "db_id": "2885"}]


def test_interactions_pair_every_mention_of_each_participant(tmp_path):
    relations = parse(tmp_path).row(0, named=True)["relations"]
    assert [(r["type"], r["arg1_id"], r["arg2_id"]) for r in relations] == [
        ("bind", "E0.0", "E1.0"), ("bind", "E0.1", "E1.0"), ("bind", "E0.2", "E1.0"),
        *[("bind", a, b) for a in ("E0.0", "E0.1", "E0.2") for b in ("E0.0", "E0.1", "E0.2")],
    ]
    assert len({r["id"] for r in relations}) == 12


def test_frame_validates_as_kb(tmp_path):
    MODELS["kb"].validate(parse(tmp_path))


def test_a_name_that_its_offsets_do_not_give_fails_the_family_check(tmp_path):
    sentences = json.loads(json.dumps(SENTENCES))
    sentences[0]["entities"][1]["names"]["ATP"]["mentions"] = [[18, 21]]
    with pytest.raises(Exception, match="entity offsets reproduce the text"):
        MODELS["kb"].validate(parse(tmp_path, sentences))


def test_invalid_json_names_file_and_line(tmp_path):
    text = json.dumps(SENTENCES, indent=1).replace('"paperid": "222",', '"paperid": "222"', 1)
    with pytest.raises(SourceError) as err:
        parse(tmp_path, text=text)
    assert (err.value.source, err.value.file) == ("src", "rx.train.json")
    assert err.value.line == text[: text.index('"paperid": "222"')].count("\n") + 2
    assert "not valid JSON" in str(err.value)


@pytest.mark.parametrize("text", ['{"id": "x"}', "[1, 2", "[] []", "[{}, ]", ""])
def test_not_a_list_of_sentences_fails(tmp_path, text):
    with pytest.raises(SourceError) as err:
        parse(tmp_path, text=text)
    assert err.value.file == "rx.train.json" and err.value.line == 1


@pytest.mark.parametrize(("path", "value", "message"), [
    (("text",), 5, "string `id` and `text`"),
    (("entities", 0, "names", "EGFR", "mentions"), [[0, 99]], "within the text"),
    (("entities", 0, "names", "EGFR", "mentions"), [[0, True]], "within the text"),
    (("entities", 1, "label"), None, "`label`"),
    (("entities", 0, "grounding"), "uniprot", "grounding"),
    (("interactions", 0, "participants"), [0, 2], "participants"),
    (("interactions",), {}, "must be lists"),
])
def test_malformed_sentence_names_the_line_it_starts_on(tmp_path, path, value, message):
    sentences = json.loads(json.dumps(SENTENCES))
    target = sentences[1] if path == ("text",) else sentences[0]
    *inner, last = path
    for key in inner:
        target = target[key]
    target[last] = value
    with pytest.raises(SourceError, match=message) as err:
        parse(tmp_path, sentences)
    text = json.dumps(sentences, indent=1)
    expected = 2 if path != ("text",) else text[: text.index('{\n  "paperid": "222"')].count("\n") + 1
    assert (err.value.file, err.value.line) == ("rx.train.json", expected)


def test_a_links_option_needs_one_group(tmp_path):
    with pytest.raises(SourceError, match="option links"):
        parse(tmp_path, options={"links": [{"match": "uniprot", "db": "uniprot"}]})
