"""The declared text repairs (transforms.clean), on hand-checked strings."""

import polars as pl

from transforms.clean import repair, repair_text


def test_each_rule_repairs_input_and_output_alike_and_is_counted():
    rows = pl.DataFrame({
        "input": ["\\u03b3-H2AX foci rise", "ticlopidine (P &lt; 0.001)", "BACKGROUND &#38; OBJECTIVE",
                  "tumour\x00cells", "  A text.\n", "clean"],
        "output": ["[\\u03b3-H2AX <Gene>]", "none", "x", "y", "z\n", "clean"],
    })
    fixed, counts = repair(rows)
    assert fixed["input"].to_list() == ["γ-H2AX foci rise", "ticlopidine (P < 0.001)", "BACKGROUND & OBJECTIVE",
                                        "tumourcells", "A text.", "clean"]
    assert fixed["output"].to_list() == ["[γ-H2AX <Gene>]", "none", "x", "y", "z", "clean"]
    assert counts == {"unicode_escapes": 1, "html_entities": 2, "nul_removed": 1, "whitespace_trimmed": 1}


def test_what_is_not_a_character_reference_is_left_as_it_is():
    assert repair_text("AT&T; &madeup; &#xD800; \\ud83d R&D") == "AT&T; &madeup; &#xD800; \\ud83d R&D"
    assert repair_text("glycemia &amp;amp;amp;lt; 85 mg/dL") == "glycemia < 85 mg/dL"  # escaped by each conversion


def test_rows_without_a_defect_are_returned_unchanged():
    rows = pl.DataFrame({"input": ["a"], "output": ["b"]})
    fixed, counts = repair(rows)
    assert fixed.equals(rows) and set(counts.values()) == {0}
