import polars as pl
import pytest

from transforms.parsers._common import family_frame
from transforms.render import t2t


def t2t_frame(*rows):
    return family_frame(
        [
            {"id": f"s{i}", "document_id": f"d{i}", "split": "test", "source_file": "m.en", "source_line": i + 1,
             "text_1": t1, "text_2": t2, "text_1_name": "en", "text_2_name": "fr"}
            for i, (t1, t2) in enumerate(rows)
        ],
        "t2t",
    )


def test_source_text_in_target_text_out():
    out = t2t.render(t2t_frame(("Mortality fell.", "La mortalité a baissé.")), {})
    assert out.select("input", "output").row(0) == ("Mortality fell.", "La mortalité a baissé.")


def test_prefix_is_an_option():
    out = t2t.render(t2t_frame(("Who makes it?", "Manufacturer?")), {"prefix": "Question: "})
    assert out["input"].to_list() == ["Question: Who makes it?"]


def test_keeps_provenance():
    out = t2t.render(t2t_frame(("a", "b"), ("c", "d")), {})
    assert out.columns == ["id", "document_id", "split", "source_file", "source_line", "input", "output"]
    assert out.select("id", "document_id", "source_line").rows() == [("s0", "d0", 1), ("s1", "d1", 2)]


def test_prefix_by_target_names_each_record_s_target():
    frame = t2t_frame(("Mortality fell.", "La mortalité a baissé."), ("It rose.", "Il a augmenté."))
    frame = frame.with_columns(text_2_name=pl.Series(["es", "pt"]))
    out = t2t.render(frame, {"prefix": "> ", "prefix_by_target": {"es": "Spanish: ", "pt": "Portuguese: "}})
    assert out["input"].to_list() == ["> Spanish: Mortality fell.", "> Portuguese: It rose."]


def test_prefix_by_target_lacking_a_target_is_an_error():
    with pytest.raises(ValueError, match=r"lacks the target name\(s\) \['fr'\]"):
        t2t.render(t2t_frame(("a", "b")), {"prefix_by_target": {"es": "Spanish: "}})
