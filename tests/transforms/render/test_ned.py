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


def test_types_keep_only_mentions_of_those_types(kb_frame):
    out = ned.render(kb_frame((TEXT, MENTIONS)), {"types": ["Disease"]})
    assert out["output"][0] == "[cancer <MESH/D009369|OMIM/114480>]"


def test_dbs_keep_only_ids_of_those_databases_and_a_mention_left_without_one_is_not_listed(kb_frame):
    out = ned.render(kb_frame((TEXT, MENTIONS)), {"dbs": ["OMIM"], "db_map": {"OMIM": "MIM"}})
    assert out["output"][0] == "[cancer <MIM/114480>]"


def test_fallback_ids_are_written_only_for_a_mention_without_another(kb_frame):
    text = "V600E and c.1799T>A in BRAF"
    mentions = [(0, 5, "ProteinMutation", [("TMVAR", "p|SUB|V|600|E"), ("GENE", "673"), ("DBSNP", "rs113488022")]),
                (10, 19, "DNAMutation", [("TMVAR", "c|SUB|T|1799|A"), ("GENE", "673")]),
                (23, 27, "Gene", [("NCBIGene", "673")])]
    options = {"dbs": ["NCBIGene", "DBSNP", "TMVAR"], "fallback_dbs": ["TMVAR"],
               "db_map": {"DBSNP": "dbSNP", "TMVAR": "tmVar"}}
    assert ned.render(kb_frame((text, mentions)), options)["output"][0] == (
        "[V600E <dbSNP/rs113488022>] [c.1799T>A <tmVar/c|SUB|T|1799|A>] [BRAF <NCBIGene/673>]"
    )
    # without `dbs`, the gene id a variant carries is another id: the key falls back behind it too
    options = {"fallback_dbs": ["TMVAR"]}
    assert ned.render(kb_frame((text, mentions[1:2])), options)["output"][0] == "[c.1799T>A <GENE/673>]"
