"""Text defects of the sources, over the mirror build: repaired by declared rules (transforms.clean) and counted
in build_stats, or quarantined with a reason; and extracted mentions that read as the instruction says."""

import re

MENTION = {  # the mentions of an output, per category
    "NER": r"\[(.+?) <[^<>]*>\]", "NED": r"\[(.+?) <[^<>]*>\]", "COREF": r"\[(.+?)\]",
}
JOINED = "joined by single spaces"


def test_no_published_row_holds_an_escape_an_entity_a_nul_or_outer_whitespace(mirror_sql):
    assert mirror_sql(r"""
        select count(*) from instructions
        where regexp_matches(input || output, '\\u[0-9a-fA-F]{4}')
           or regexp_matches(input || output, '&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);')
           or strpos(input || output, chr(0)) > 0 or strpos(input || output, chr(65279)) > 0
           or input <> trim(input, ' ' || chr(9) || chr(10) || chr(13))
           or output <> trim(output, ' ' || chr(9) || chr(10) || chr(13))""") == [(0,)]


def test_repairs_are_counted_per_task_and_rule(mirror_sql):
    repaired = dict(((t, r), n) for t, r, n in mirror_sql(
        "select task, reason, sum(rows)::int from build_stats where step = 'clean' and rows > 0 group by all"))
    assert repaired["Hallmarks-of-Cancer", "unicode_escapes"] == 266  # `\u03b3-H2AX` is `γ-H2AX`
    assert repaired["BioNLP-2013-CG", "html_entities"] == 2  # `BACKGROUND &#38; OBJECTIVE`
    assert repaired["NCBI-disease-NED", "whitespace_trimmed"] == 717
    assert {r for _, r in repaired} <= {"unicode_escapes", "html_entities", "nul_removed", "whitespace_trimmed"}
    assert mirror_sql("select input from instructions where task = 'Hallmarks-of-Cancer' and input like '%γ-H2AX%' "
                      "limit 1")
    assert mirror_sql("select count(*) from instructions where task = 'DDI' and input like '%(P < 0.001)%'")[0][0] >= 1


def test_text_lost_before_the_release_is_quarantined_with_its_reason(mirror_sql):
    rows = mirror_sql("select source, task, count(*) from quarantine where reason like '%U+FFFD%' group by all "
                      "order by 1")
    assert rows == [("hoc", "Hallmarks-of-Cancer", 65), ("wmt_biomed_fr_en", "WMT-Biomed-Medline-fr2en", 2)]
    assert mirror_sql("select count(*) from instructions where strpos(input || output, chr(65533)) > 0") == [(0,)]


def test_a_mention_not_in_the_input_only_where_the_instruction_says_how_pieces_are_joined(mirror_sql):
    """A discontinuous mention is written as its pieces joined by spaces (MedINST's convention); the tasks
    that have one say so in their instruction, and every other task's mentions occur in its input."""
    rows = mirror_sql("select task, category, instruction, input, output from instructions "
                      "where category in ('NER', 'NED', 'COREF', 'RE')")
    unsaid, said = set(), set()
    for task, category, instruction, text, output in rows:
        if category == "RE":
            mentions = [m for pair in re.findall(r"\[(.+?) <[^<>]*> (.+?)\](?= \[|$)", output) for m in pair]
        else:
            mentions = re.findall(MENTION[category], output)
        if any(m not in text for m in mentions):
            (said if JOINED in instruction else unsaid).add(task)
    assert unsaid == set()
    assert {"DDI", "DDI-RE", "BioNLP-2016-SeeDev", "BioNLP-2016-SeeDev-RE", "CHIA", "BioInfer"} <= said
