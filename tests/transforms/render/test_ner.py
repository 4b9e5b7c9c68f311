from transforms.render import ner

COLUMNS = ["id", "document_id", "split", "source_file", "source_line", "input", "output"]
SENTENCE = "Mutations in BRCA1 cause breast cancer ."
P53_TEXT = "p53 loss drives cancer and p53 gain"
P53_MENTIONS = [(27, 30, "Gene"), (16, 22, "Disease"), (0, 3, "Gene")]  # deliberately out of order


def test_keeps_provenance_and_adds_input_and_output(kb_frame):
    out = ner.render(kb_frame((SENTENCE, [])), {"style": "list"})
    assert out.columns == COLUMNS
    assert out.select("id", "document_id", "split", "source_file", "source_line").row(0) == (
        "doc0", "d0", "train", "f.txt", 1
    )


def test_list_style_in_text_order_with_repeats(kb_frame):
    out = ner.render(kb_frame((P53_TEXT, P53_MENTIONS)), {"style": "list"})
    assert out["input"].to_list() == [P53_TEXT]
    assert out["output"].to_list() == ["[p53 <Gene>] [cancer <Disease>] [p53 <Gene>]"]


def test_list_is_the_default_style(kb_frame):
    out = ner.render(kb_frame((P53_TEXT, P53_MENTIONS)), {})
    assert out["output"][0] == "[p53 <Gene>] [cancer <Disease>] [p53 <Gene>]"


def test_list_style_keeps_only_listed_types_and_renames_them(kb_frame):
    options = {"style": "list", "types": ["Gene"], "type_map": {"Gene": "GENE"}}
    assert ner.render(kb_frame((P53_TEXT, P53_MENTIONS)), options)["output"][0] == "[p53 <GENE>] [p53 <GENE>]"


def test_list_style_without_mentions_is_empty(kb_frame):
    assert ner.render(kb_frame((SENTENCE, [])), {"style": "list"})["output"][0] == ""


def test_input_joins_passages_by_spaces(kb_frame):
    out = ner.render(kb_frame((["p53 in cancer", "Loss of p53."], [(22, 25, "Gene")])), {"style": "list"})
    assert out["input"][0] == "p53 in cancer Loss of p53."
    assert out["output"][0] == "[p53 <Gene>]"


def test_bio_style_tags_every_word(kb_frame):
    out = ner.render(kb_frame((SENTENCE, [(25, 38, "Disease")])), {"style": "bio"})
    assert out["input"][0] == SENTENCE
    assert out["output"][0] == "Mutations [O] in [O] BRCA1 [O] cause [O] breast [B] cancer [I] . [O]"


def test_bio_style_sentence_without_mentions_is_all_o(kb_frame):
    out = ner.render(kb_frame(("No disease here", [])), {"style": "bio"})
    assert out["output"][0] == "No [O] disease [O] here [O]"


def test_bio_style_adjacent_mentions_each_start_with_b(kb_frame):
    out = ner.render(kb_frame(("BRCA1 BRCA2 genes", [(0, 5, "Gene"), (6, 11, "Gene")])), {"style": "bio"})
    assert out["output"][0] == "BRCA1 [B] BRCA2 [B] genes [O]"


def test_round_trip_bio_words_rejoin_to_the_sentence_and_list_mentions_occur_in_it(kb_frame):
    family = kb_frame(
        (SENTENCE, [(25, 38, "Disease")]),
        (P53_TEXT, P53_MENTIONS),
        ("No disease here", []),
    )
    for row in ner.render(family, {"style": "bio"}).iter_rows(named=True):
        words = [w for w in row["output"].split(" ") if w not in ("[B]", "[I]", "[O]")]
        assert " ".join(words) == row["input"]
    for row in ner.render(family, {"style": "list"}).iter_rows(named=True):
        mentions = [item.rsplit(" <", 1)[0] for item in row["output"][1:-1].split("] [") if item]
        assert all(m in row["input"] for m in mentions)
