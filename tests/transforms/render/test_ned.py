from transforms.render import ned

TEXT = "p53 loss drives cancer and p53 gain"
MENTIONS = [
    (27, 30, "Gene", [("NCBIGene", "7157")]),
    (16, 22, "Disease", [("MESH", "D009369"), ("OMIM", "114480")]),
    (9, 15, "Other"),  # not normalised: not listed
    (0, 3, "Gene", [("NCBIGene", "7157")]),
]


def test_normalised_mentions_in_text_order_with_their_ids(kb_frame):
    out = ned.render(kb_frame((TEXT, MENTIONS)), {})
    assert out["input"].to_list() == [TEXT]
    assert out["output"].to_list() == [
        "[p53 <NCBIGene/7157>] [cancer <MESH/D009369|OMIM/114480>] [p53 <NCBIGene/7157>]"
    ]


def test_db_map_renames_databases(kb_frame):
    out = ned.render(kb_frame((TEXT, MENTIONS[1:2])), {"db_map": {"MESH": "MeSH"}})
    assert out["output"][0] == "[cancer <MeSH/D009369|OMIM/114480>]"


def test_document_without_normalised_mentions_is_empty(kb_frame):
    out = ned.render(kb_frame((TEXT, [(0, 3, "Gene")])), {})
    assert out["output"][0] == ""


def test_keeps_provenance(kb_frame):
    out = ned.render(kb_frame((TEXT, []), (TEXT, [])), {})
    assert out["id"].to_list() == ["doc0", "doc1"]
    assert out["source_line"].to_list() == [1, 2]


def test_round_trip_every_linked_mention_occurs_in_the_input(kb_frame):
    family = kb_frame(("Aspirin eases headache and aspirin", [(0, 7, "Chemical", [("MESH", "D001241")]),
                                                                (14, 22, "Disease", [("MESH", "D006261")]),
                                                                (27, 34, "Chemical", [("MESH", "D001241")])]))
    row = ned.render(family, {}).row(0, named=True)
    assert row["output"] == "[Aspirin <MESH/D001241>] [headache <MESH/D006261>] [aspirin <MESH/D001241>]"
    mentions = [item.rsplit(" <", 1)[0] for item in row["output"][1:-1].split("] [")]
    assert all(m in row["input"] for m in mentions)
