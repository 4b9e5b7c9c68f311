"""EE: one sample per document, its events in order of appearance as `[<EventType> trigger theme]`.

The theme is the mention of the event's Theme argument; a theme that is itself an event is named by
its trigger text (its own arguments are items of their own), which is how the nested event is found
again in the text. An event with several themes (a Binding of two proteins) names the one that comes
first in the text. Trigger-less events (SeeDev's n-ary ones) leave the trigger slot out and appear
where their first argument does; with `arguments: all`, every argument is written `<Role> mention`
in the annotation's order, since such an event is nothing but its arguments. With `themes: entities`
only an entity may be an event's theme, and an event without one is left out (MedINST's EE samples:
its BioNLP-ST 2011 ID and 2013 CG/PC counts are the documents with an event whose Theme is an entity).
"""

from typing import Literal

import polars as pl

from schemas.families import document_text
from transforms.render._common import bracketed, mention, rendered

NAME = "ee_v1"
OPTIONS = {"types": list[str], "theme_roles": list[str], "arguments": Literal["theme", "all"],
           "themes": Literal["any", "entities"]}
FAMILY = "kb"
_FAR = 1 << 62  # where an argument-less, trigger-less event sorts: last


class _Doc:
    def __init__(self, doc: dict):
        self.entities = {e["id"]: e for e in doc["entities"]}
        self.events = {e["id"]: e for e in doc["events"]}

    def name(self, ref: str) -> str:
        """An argument's text: an entity's mention, an event's trigger (or its type when it has none)."""
        if ref in self.entities:
            return mention(self.entities[ref])
        event = self.events[ref]
        return " ".join(event["trigger"]["text"]) or event["type"]

    def where(self, ref: str, seen: frozenset = frozenset()) -> int:
        """First offset of an entity, of an event's trigger, or else of the event's earliest argument."""
        if ref in self.entities:
            return self.entities[ref]["offsets"][0][0]
        event = self.events[ref]
        if event["trigger"]["offsets"]:
            return event["trigger"]["offsets"][0][0]
        args = [a["ref_id"] for a in event["arguments"] if a["ref_id"] not in seen]
        return min((self.where(a, seen | {ref}) for a in args), default=_FAR)

    def theme(self, event: dict, theme_roles: list[str], entities_only: bool = False) -> str | None:
        """The id of the event's theme: by role preference, then the first in the text (only an entity, if asked)."""
        themes = [a for a in event["arguments"]
                  if a["role"] in theme_roles and (not entities_only or a["ref_id"] in self.entities)]
        themes.sort(key=lambda a: (theme_roles.index(a["role"]), self.where(a["ref_id"])))
        return themes[0]["ref_id"] if themes else None

    def item(self, event: dict, theme: str | None, all_arguments: bool) -> str:
        parts = [f"<{event['type']}>", " ".join(event["trigger"]["text"])]
        if all_arguments:
            parts += [f"<{a['role']}> {self.name(a['ref_id'])}" for a in event["arguments"]]
        elif theme:
            parts.append(self.name(theme))
        return " ".join(p for p in parts if p)


def render(family: pl.DataFrame, options: dict) -> pl.DataFrame:
    """Options: `types` (keep only these event types), `theme_roles` (roles read as the theme, in order of
    preference; default [Theme]), `arguments` (`theme`, the default, or `all`), `themes` (`any`, the default,
    or `entities`: an event is written only with an entity as its theme).
    A document without a (kept) event renders "", which the pipeline drops as nothing to extract."""
    keep, theme_roles = options.get("types"), options.get("theme_roles", ["Theme"])
    all_arguments = options.get("arguments", "theme") == "all"
    entities_only = options.get("themes", "any") == "entities"
    docs = family.with_columns(text=document_text()).select("text", "entities", "events").to_dicts()
    outputs = []
    for d in docs:
        doc = _Doc(d)
        kept = [e for e in d["events"] if keep is None or e["type"] in keep]
        events = [(e, doc.theme(e, theme_roles, entities_only)) for e in kept]
        if entities_only:
            events = [(e, theme) for e, theme in events if theme]
        # In order of appearance; events on one trigger by where their theme is (then the source's order).
        events.sort(key=lambda p: (doc.where(p[0]["id"]), doc.where(p[1]) if p[1] else _FAR))
        outputs.append(bracketed(doc.item(e, theme, all_arguments) for e, theme in events))
    return rendered(family, [d["text"] for d in docs], outputs)
