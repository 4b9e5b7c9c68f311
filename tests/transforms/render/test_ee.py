import re

from transforms.parsers._common import family_frame
from transforms.render import ee

COLUMNS = ["id", "document_id", "split", "source_file", "source_line", "input", "output"]
# 0         1         2         3         4         5
# 0123456789012345678901234567890123456789012345678901234567
TEXT = "BMP-6 induced phosphorylation of Smad1 and binding of Id1 to Id2"


def span(text: str, start: int, end: int) -> dict:
    return {"text": [text[start:end]], "offsets": [[start, end]]}


def entity(ident: str, start: int, end: int, etype: str = "Protein", text: str = TEXT) -> dict:
    return {"id": ident, "type": etype, **span(text, start, end), "normalized": []}


def event(ident: str, etype: str, trigger: tuple[int, int] | None, *args: tuple[str, str], text: str = TEXT) -> dict:
    return {"id": ident, "type": etype, "trigger": span(text, *trigger) if trigger else {"text": [], "offsets": []},
            "arguments": [{"role": role, "ref_id": ref} for role, ref in args]}


def frame(text: str, entities: list[dict], events: list[dict]):
    return family_frame([{
        "id": "doc0", "document_id": "d0", "split": "train", "source_file": "f/d0.json", "source_line": 1,
        "passages": [{"id": "p", "type": "text", "text": [text], "offsets": [[0, len(text)]]}],
        "entities": entities, "events": events, "coreferences": [], "relations": [],
    }], "kb")


ENTITIES = [entity("T1", 0, 5), entity("T2", 33, 38), entity("T3", 54, 57), entity("T4", 61, 64)]
EVENTS = [  # deliberately out of text order
    event("E3", "Binding", (43, 50), ("Theme", "T4"), ("Theme", "T3")),
    event("E2", "Positive_regulation", (6, 13), ("Cause", "T1"), ("Theme", "E1")),
    event("E1", "Phosphorylation", (14, 29), ("Theme", "T2")),
]


def test_keeps_provenance_and_adds_input_and_output():
    out = ee.render(frame(TEXT, ENTITIES, EVENTS), {})
    assert out.columns == COLUMNS
    assert out.select(COLUMNS[:5]).row(0) == ("doc0", "d0", "train", "f/d0.json", 1)
    assert out["input"][0] == TEXT


def test_events_in_order_of_appearance_with_nested_theme_named_by_its_trigger():
    # Binding has two themes: the one first in the text (Id1) is named.
    assert ee.render(frame(TEXT, ENTITIES, EVENTS), {})["output"][0] == (
        "[<Positive_regulation> induced phosphorylation] [<Phosphorylation> phosphorylation Smad1] "
        "[<Binding> binding Id1]"
    )


def test_types_option_keeps_only_those_events():
    out = ee.render(frame(TEXT, ENTITIES, EVENTS), {"types": ["Phosphorylation", "Binding"]})
    assert out["output"][0] == "[<Phosphorylation> phosphorylation Smad1] [<Binding> binding Id1]"


def test_events_on_one_trigger_follow_their_themes():
    events = [event("E1", "Phosphorylation", (14, 29), ("Theme", "T3")),
              event("E2", "Phosphorylation", (14, 29), ("Theme", "T2"))]
    assert ee.render(frame(TEXT, ENTITIES, events), {})["output"][0] == (
        "[<Phosphorylation> phosphorylation Smad1] [<Phosphorylation> phosphorylation Id1]"
    )


def test_theme_roles_choose_the_theme_by_preference():
    events = [event("E1", "Regulation", (6, 13), ("Agent", "T1"), ("Process", "T2"))]
    out = ee.render(frame(TEXT, ENTITIES, events), {"theme_roles": ["Process", "Agent"]})
    assert out["output"][0] == "[<Regulation> induced Smad1]"


def test_an_event_without_theme_has_type_and_trigger_only():
    events = [event("E1", "Gene_expression", (43, 50))]
    assert ee.render(frame(TEXT, ENTITIES, events), {})["output"][0] == "[<Gene_expression> binding]"


def test_trigger_less_events_with_all_arguments():
    text = "AGL15 regulates flowering in Arabidopsis"
    ents = [entity("T1", 0, 5, text=text), entity("T2", 16, 25, "Phase", text), entity("T3", 29, 40, "Genotype", text)]
    events = [event("E2", "Presence", None, ("Molecule", "T1"), ("Genotype", "T3"), text=text),
              event("E1", "Regulation", None, ("Agent", "T1"), ("Development", "T2"), ("Prerequisite", "E2"),
                    text=text)]
    out = ee.render(frame(text, ents, events), {"arguments": "all"})
    # Both start at AGL15; neither has a Theme, so they keep the source's order. A trigger-less
    # event named as an argument is named by its type.
    assert out["output"][0] == (
        "[<Presence> <Molecule> AGL15 <Genotype> Arabidopsis] "
        "[<Regulation> <Agent> AGL15 <Development> flowering <Prerequisite> Presence]"
    )


def test_a_document_without_events_renders_empty():
    assert ee.render(frame(TEXT, ENTITIES, []), {})["output"][0] == ""


def test_round_trip_every_bracketed_mention_occurs_in_the_input():
    out = ee.render(frame(TEXT, ENTITIES, EVENTS), {}).row(0, named=True)
    items = re.findall(r"\[<([^>]+)> ([^\]]+)\]", out["output"])
    assert len(items) == len(EVENTS)
    for etype, rest in items:
        assert etype in {e["type"] for e in EVENTS}
        words = rest.split(" ")  # trigger then theme, each a mention of the input
        assert any(
            " ".join(words[:i]) in out["input"] and " ".join(words[i:]) in out["input"] for i in range(1, len(words))
        ), rest


def test_themes_entities_writes_only_events_with_an_entity_theme():
    # The regulation's only theme is an event: left out. Binding's theme roles are Theme1/Theme2.
    events = [event("E2", "Positive_regulation", (6, 13), ("Cause", "T1"), ("Theme", "E1")),
              event("E1", "Phosphorylation", (14, 29), ("Theme", "T2")),
              event("E3", "Binding", (43, 50), ("Theme2", "T4"), ("Theme1", "T3"))]
    out = ee.render(frame(TEXT, ENTITIES, events), {"themes": "entities", "theme_roles": ["Theme", "Theme1", "Theme2"]})
    assert out["output"][0] == "[<Phosphorylation> phosphorylation Smad1] [<Binding> binding Id1]"


def test_themes_entities_takes_the_entity_among_themes_and_empties_a_document_without_one():
    events = [event("E2", "Regulation", (6, 13), ("Theme", "E1"), ("Theme", "T4")),
              event("E1", "Process", (43, 50), ("Participant", "T3"))]
    out = ee.render(frame(TEXT, ENTITIES, events), {"themes": "entities"})
    assert out["output"][0] == "[<Regulation> induced Id2]"
    # Only a theme-less event and one whose theme is an event: nothing to extract.
    out = ee.render(frame(TEXT, ENTITIES, events[1:] + [event("E3", "Regulation", (6, 13), ("Theme", "E1"))]),
                    {"themes": "entities"})
    assert out["output"][0] == ""
