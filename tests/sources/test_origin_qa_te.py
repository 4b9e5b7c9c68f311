"""QA and TE sources outside the corpora mirror, each built from a hand-written miniature of its release
(same archive type, member paths, file names and fields as the real one)."""

import gzip
import json
from pathlib import Path

from helpers import tar_of, zip_of

_zip = zip_of


def _tar(path: Path, members: dict[str, str | bytes], mode: str = "w") -> Path:
    return tar_of(path, members, mode)


def _jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def _clean(built) -> None:
    assert built.run.quarantine.height == 0


SCIQ = "https://ai2-public-datasets.s3.amazonaws.com/sciq/SciQ.zip"


def _sciq_record(q: str, answer: str, distractors: list[str], support: str = "") -> dict:
    return {"question": q, "distractor3": distractors[2], "distractor1": distractors[0],
            "distractor2": distractors[1], "correct_answer": answer, "support": support}


def test_sciq(miniature, tmp_path):
    folder = "SciQ dataset-2 3"
    train = [
        _sciq_record("What type of organism is commonly used in preparation of foods such as cheese and yogurt?",
                     "mesophilic organisms", ["viruses", "protozoa", "gymnosperms"],
                     "Mesophiles grow best in moderate temperature."),
        _sciq_record("What is the least dangerous radioactive decay?", "alpha decay",
                     ["zeta decay", "beta decay", "gamma decay"]),
    ]
    valid = [_sciq_record("Where do cells get energy?", "mitochondria", ["nucleus", "ribosome", "Golgi body"])]
    test = [_sciq_record("What do plants release?", "oxygen", ["argon", "neon", "radon"], "Photosynthesis.")] * 2
    archive = _zip(tmp_path / "SciQ.zip", {f"{folder}/train.json": json.dumps(train, indent=2),
                                           f"{folder}/valid.json": json.dumps(valid),
                                           f"{folder}/test.json": json.dumps(test)})
    built = miniature("sciq", {SCIQ: archive})
    _clean(built)
    assert built.counts() == {("SciQ", "train"): 2, ("SciQ", "dev"): 1, ("SciQ", "test"): 2}
    row = built.task("SciQ", "train").row(0, named=True)
    assert row["input"] == (
        "Question: What type of organism is commonly used in preparation of foods such as cheese and yogurt?\n"
        "Context: Mesophiles grow best in moderate temperature.\n"
        "Options:\nA. gymnosperms\nB. mesophilic organisms\nC. protozoa\nD. viruses"
    )
    assert row["output"] == "mesophilic organisms"
    assert built.task("SciQ", "dev").row(0, named=True)["input"].endswith(
        "Options:\nA. Golgi body\nB. mitochondria\nC. nucleus\nD. ribosome")


SCITAIL = "https://ai2-public-datasets.s3.amazonaws.com/scitail/SciTailV1.1.zip"


def _snli(premise: str, hypothesis: str, label: str) -> dict:
    # The SNLI layout: parses and annotator labels beside the two sentences and the gold label.
    return {"sentence1_binary_parse": "( x )", "sentence1_parse": "(ROOT x)", "sentence1": premise,
            "sentence2_parse": "(ROOT y)", "sentence2": hypothesis, "annotator_labels": [label], "gold_label": label}


def test_scitail(miniature, tmp_path):
    base = "SciTailV1.1"
    archive = _zip(tmp_path / "SciTailV1.1.zip", {
        f"{base}/snli_format/scitail_1.0_train.txt": _jsonl([
            _snli("Pluto rotates once on its axis every 6.39 Earth days;",
                  "Earth rotates on its axis once times in one day.", "neutral"),
            _snli("Enzymes are proteins that act as catalysts.", "Enzymes are catalysts that speed up reactions.",
                  "entailment"),
        ]),
        f"{base}/snli_format/scitail_1.0_dev.txt": _jsonl([
            _snli('A "tool" is used.', "Tools are used.", "entailment")]),
        f"{base}/snli_format/scitail_1.0_test.txt": _jsonl([_snli("Cells divide.", "Mitosis is division.", "neutral")]),
        f"{base}/tsv_format/scitail_1.0_train.tsv": "Pluto rotates\tEarth rotates\tneutral\n",
    })
    built = miniature("scitail", {SCITAIL: archive})
    _clean(built)
    assert built.counts() == {("SciTail", "train"): 2, ("SciTail", "dev"): 1, ("SciTail", "test"): 1}
    rows = built.task("SciTail", "train").rows(named=True)
    assert rows[1]["input"] == ("Premise: Enzymes are proteins that act as catalysts.\n"
                                "Hypothesis: Enzymes are catalysts that speed up reactions.")
    assert [r["output"] for r in rows] == ["neutral", "entails"]
    assert built.task("SciTail", "dev")["input"].to_list() == [
        'Premise: A "tool" is used.\nHypothesis: Tools are used.']


PUBHEALTH_HEADER = "claim_id\tclaim\tdate_published\texplanation\tfact_checkers\tmain_text\tsources\tlabel\tsubjects\n"


def _pubhealth_row(cid: str, claim: str, explanation: str, label: str, main: str = "Text.") -> str:
    return f"{cid}\t{claim}\tMarch 1, 2019\t{explanation}\tSnopes\t{main}\thttp://x.org\t{label}\tHealth\n"


def test_pubhealth(miniature, tmp_path):
    train = (PUBHEALTH_HEADER
             + _pubhealth_row("15661", '"Vaccines cause autism."', "No study links the MMR vaccine to autism.", "false")
             # a line break inside main_text: two broken lines, neither a record
             + _pubhealth_row("9893", "Coffee is healthy.", "Moderate intake is fine.", "mixture",
                              "First part\nsecond part")
             + _pubhealth_row("200", "Garlic cures flu.", "There is no evidence.", "snopes")  # not a class: skipped
             + _pubhealth_row("201", "Exercise lowers blood pressure.", "Trials show it does.", "true"))
    dev = PUBHEALTH_HEADER + _pubhealth_row("7", "A drug was approved.", "Unclear sources.", "unproven")
    test = ("\t" + PUBHEALTH_HEADER
            + "0\t" + _pubhealth_row("31", "Masks reduce spread.", "Studies support masks.", "true"))
    archive = _zip(tmp_path / "PUBHEALTH.zip", {"PUBHEALTH/train.tsv": train, "PUBHEALTH/dev.tsv": dev,
                                                "PUBHEALTH/test.tsv": test})
    built = miniature("pubhealth", {}, manual={"PUBHEALTH.zip": archive})
    _clean(built)
    assert built.counts() == {("PubHealth", "train"): 2, ("PubHealth", "dev"): 1, ("PubHealth", "test"): 1}
    rows = built.task("PubHealth", "train").rows(named=True)
    assert rows[0]["input"] == 'Claim: "Vaccines cause autism."\nExplanation: No study links the MMR vaccine to autism.'
    assert [r["output"] for r in rows] == ["false", "true"]
    assert rows[1]["input"].startswith("Claim: Exercise lowers blood pressure.")
    test_row = built.task("PubHealth", "test").row(0, named=True)
    assert test_row["input"] == "Claim: Masks reduce spread.\nExplanation: Studies support masks."
    assert test_row["output"] == "true"


SCIFACT = "https://scifact.s3-us-west-2.amazonaws.com/release/latest/data.tar.gz"


def test_scifact(miniature, tmp_path):
    corpus = _jsonl([
        {"doc_id": 4983, "title": "Microstructural development of human newborn cerebral white matter.",
         "abstract": ["Alterations of the architecture of white matter affect brain function. ",
                      "Diffusion tensor imaging was used.", "Fractional anisotropy was low in preterm infants."],
         "structured": False},
        {"doc_id": 5836, "title": "Induction of myelodysplasia.", "abstract": ["Mice develop anemia."],
         "structured": False},
        {"doc_id": 7912, "title": "Other.", "abstract": ["Nothing relevant here."], "structured": False},
    ])
    train = _jsonl([
        {"id": 13, "claim": "0-dimensional biomaterials lack inductive properties.", "evidence": {},
         "cited_doc_ids": [7912]},
        {"id": 14, "claim": "Anisotropy is low in preterm infants.",
         "evidence": {"4983": [{"sentences": [2], "label": "SUPPORT"}, {"sentences": [1], "label": "SUPPORT"}]},
         "cited_doc_ids": [4983, 7912]},
    ])
    dev = _jsonl([{"id": 1, "claim": "Mice never develop anemia.",
                   "evidence": {"5836": [{"sentences": [0], "label": "CONTRADICT"}]}, "cited_doc_ids": [5836]}])
    test = _jsonl([{"id": 2, "claim": "An unlabelled claim."}])
    archive = _tar(tmp_path / "data.tar.gz", {"data/corpus.jsonl": corpus, "data/claims_train.jsonl": train,
                                              "data/claims_dev.jsonl": dev, "data/claims_test.jsonl": test}, "w:gz")
    built = miniature("scifact", {SCIFACT: archive})
    _clean(built)
    assert built.counts() == {("SciFact", "train"): 3, ("SciFact", "test"): 1}
    rows = built.task("SciFact", "train").rows(named=True)
    assert [r["output"] for r in rows] == ["Neutral", "Supports", "Neutral"]
    assert rows[1]["input"] == (
        "Claim: Anisotropy is low in preterm infants.\nEvidence: Alterations of the architecture of white matter "
        "affect brain function. Diffusion tensor imaging was used. Fractional anisotropy was low in preterm infants.")
    test_row = built.task("SciFact", "test").row(0, named=True)
    assert (test_row["input"], test_row["output"]) == (
        "Claim: Mice never develop anemia.\nEvidence: Mice develop anemia.", "Refutes")


BIOMRC = "https://huggingface.co/datasets/biomrc/resolve/main/data/biomrc_large/dataset_{}.jsonl.gz"


def test_biomrc(miniature, tmp_path):
    record = {
        "abstract": "Single-agent activity for @entity8 reflected by response rates in @entity1 with @entity3 .",
        "title": "No synergistic activity of @entity7 and XXXX in the treatment of @entity3 .",
        "entities_list": ["@entity1 :: ('9606', 'Species') :: ['patients', 'patient']",
                          "@entity3 :: ('MESH:D007951', 'Disease') :: ['lymphoma']",
                          "@entity8 :: ('MESH:C057734', 'Chemical') :: ['cladribine']"],
        "answer": "@entity8 :: ('MESH:C057734', 'Chemical') :: ['cladribine']",
    }
    urls = {}
    for split, n in (("train", 2), ("val", 1), ("test", 1)):
        path = tmp_path / f"dataset_{split}.jsonl.gz"
        path.write_bytes(gzip.compress(_jsonl([record] * n).encode()))
        urls[BIOMRC.format(split)] = path
    built = miniature("biomrc", urls)
    _clean(built)
    assert built.counts() == {("BIOMRC", "train"): 2, ("BIOMRC", "dev"): 1, ("BIOMRC", "test"): 1}
    row = built.task("BIOMRC", "train").row(0, named=True)
    assert row["input"] == (
        "Question: No synergistic activity of @entity7 and XXXX in the treatment of @entity3 .\n"
        "Context: Single-agent activity for @entity8 reflected by response rates in @entity1 with @entity3 .\n"
        "Options:\nA. @entity1\nB. @entity3\nC. @entity8"
    )
    assert row["output"] == "@entity8"


def test_medhop(miniature, tmp_path):
    train = [{"id": "MH_train_0", "query": "interacts_with DB00773?", "answer": "DB00072",
              "candidates": ["DB00072", "DB00294", "DB00460"],
              "supports": ["Etoposide is a substrate of ABCB1.", "Trastuzumab binds ERBB2 , which ... ABCB1."]},
             {"id": "MH_train_1", "query": "interacts_with DB00945?", "answer": "DB00682",
              "candidates": ["DB00682", "DB01050"], "supports": ["Aspirin ... warfarin."]}]
    dev = [{"id": "MH_dev_0", "query": "interacts_with DB00001?", "answer": "DB00002",
            "candidates": ["DB00003", "DB00002"], "supports": ["An abstract."]}]
    archive = _zip(tmp_path / "qangaroo_v1.1.zip", {
        "qangaroo_v1.1/medhop/train.json": json.dumps(train), "qangaroo_v1.1/medhop/dev.json": json.dumps(dev),
        "qangaroo_v1.1/medhop/train.masked.json": "[]", "qangaroo_v1.1/wikihop/train.json": "[]"})
    built = miniature("medhop", {}, manual={"qangaroo_v1.1.zip": archive})
    _clean(built)
    assert built.counts() == {("MedHop", "train"): 2, ("MedHop", "dev"): 1}
    row = built.task("MedHop", "train").row(0, named=True)
    assert row["input"] == (
        "Question: interacts_with DB00773?\n"
        "Context: Etoposide is a substrate of ABCB1.\n\nTrastuzumab binds ERBB2 , which ... ABCB1.\n"
        "Options:\nA. DB00072\nB. DB00294\nC. DB00460"
    )
    assert row["output"] == "DB00072"
    assert built.task("MedHop", "dev")["output"].to_list() == ["DB00002"]


HOW_WHY = "https://ai2-public-datasets.s3.amazonaws.com/biology-how-why-corpus/BiologyHowWhyCorpus.tar"

HOW_XML = """<?xml version="1.0" encoding="UTF-8"?>
<collection>
  <question>
    <text>How does the cell membrane control what enters the cell?</text>
    <answer>
      <justification>The membrane is selectively permeable:
        small nonpolar molecules cross it, while ions need transport proteins.</justification>
      <docid>CAMPBELL-7.2</docid>
      <sentences>3, 4</sentences>
    </answer>
    <answer>
      <justification>Transport proteins move specific substances across.</justification>
      <docid>CAMPBELL-7.3</docid>
      <sentences>1</sentences>
    </answer>
  </question>
</collection>
"""
WHY_XML = """<collection><question><text>Why do cells divide?</text><answer>
<justification>To grow &amp; repair tissue.</justification><docid>CAMPBELL-12.1</docid><sentences>2</sentences>
</answer></question></collection>"""


def test_biology_how_why_corpus(miniature, tmp_path):
    archive = _tar(tmp_path / "BiologyHowWhyCorpus.tar", {
        "BiologyHowWhyCorpus/GoldStandardVulcanHOW.all.xml": HOW_XML,
        "BiologyHowWhyCorpus/GoldStandardVulcanWHY.all.xml": WHY_XML})
    built = miniature("biology_how_why_corpus", {HOW_WHY: archive})
    _clean(built)
    assert built.counts() == {("BiologyHowWhyCorpus", "train"): 3}
    rows = built.task("BiologyHowWhyCorpus", "train").rows(named=True)
    assert rows[0]["input"] == "Question: How does the cell membrane control what enters the cell?"
    assert rows[0]["output"] == ("The membrane is selectively permeable: small nonpolar molecules cross it, "
                                 "while ions need transport proteins.")
    assert [(r["input"], r["output"]) for r in rows[1:]] == [
        ("Question: How does the cell membrane control what enters the cell?",
         "Transport proteins move specific substances across."),
        ("Question: Why do cells divide?", "To grow & repair tissue."),
    ]


FEVER = "https://fever.ai/download/fever/{}"


def _page(title: str, sentences: list[str]) -> dict:
    lines = "\n".join(f"{i}\t{s}\t{title}" if s else f"{i}\t" for i, s in enumerate(sentences))
    return {"id": title, "text": " ".join(sentences), "lines": lines}


def test_fever(miniature, tmp_path):
    wiki = _zip(tmp_path / "wiki-pages.zip", {
        "wiki-pages/wiki-001.jsonl": _jsonl([
            _page("", []),
            _page("Nikolaj_Coster-Waldau", [
                "Nikolaj Coster-Waldau -LRB- born 27 July 1970 -RRB- is a Danish actor .", "",
                "He then played Detective John Amsterdam in the Fox series New Amsterdam ."]),
            _page("Unrelated_page", ["Nothing ."]),
        ]),
        "wiki-pages/wiki-002.jsonl": _jsonl([
            _page("Fox_Broadcasting_Company", ["The Fox Broadcasting Company is a network ."])]),
    })
    train = _jsonl([
        {"id": 75397, "verifiable": "VERIFIABLE", "label": "SUPPORTS",
         "claim": "Nikolaj Coster-Waldau worked with the Fox Broadcasting Company.",
         "evidence": [[[92206, 104971, "Nikolaj_Coster-Waldau", 2], [92206, 104971, "Fox_Broadcasting_Company", 0]],
                      [[92206, 104972, "Nikolaj_Coster-Waldau", 2]]]},
        {"id": 150448, "verifiable": "VERIFIABLE", "label": "REFUTES", "claim": "Nikolaj Coster-Waldau is Swedish.",
         "evidence": [[[1, 2, "Nikolaj_Coster-Waldau", 0]]]},
        {"id": 225709, "verifiable": "NOT VERIFIABLE", "label": "NOT ENOUGH INFO", "claim": "Fox is a fruit.",
         "evidence": [[[174271, None, None, None]]]},
    ])
    dev = _jsonl([{"id": 1, "verifiable": "NOT VERIFIABLE", "label": "NOT ENOUGH INFO", "claim": "A claim.",
                   "evidence": [[[3, None, None, None]]]}])
    test = _jsonl([{"id": 2, "verifiable": "VERIFIABLE", "label": "SUPPORTS", "claim": "Fox is a network.",
                    "evidence": [[[4, 5, "Fox_Broadcasting_Company", 0]]]}])
    urls = {FEVER.format("wiki-pages.zip"): wiki}
    for name, text in (("train.jsonl", train), ("paper_dev.jsonl", dev), ("paper_test.jsonl", test)):
        (tmp_path / name).write_text(text)
        urls[FEVER.format(name)] = tmp_path / name
    built = miniature("fever", urls)
    _clean(built)
    assert built.counts() == {("FEVER", "train"): 3, ("FEVER", "dev"): 1, ("FEVER", "test"): 1}
    rows = built.task("FEVER", "train").rows(named=True)
    assert rows[0]["input"] == (
        "Claim: Nikolaj Coster-Waldau worked with the Fox Broadcasting Company.\n"
        "Evidence: Nikolaj Coster-Waldau: He then played Detective John Amsterdam in the Fox series New Amsterdam . "
        "Fox Broadcasting Company: The Fox Broadcasting Company is a network ."
    )
    assert rows[1]["input"].endswith("Evidence: Nikolaj Coster-Waldau: Nikolaj Coster-Waldau ( born 27 July 1970 ) "
                                     "is a Danish actor .")
    assert rows[2]["input"] == "Claim: Fox is a fruit.\nEvidence: No evidence sentence was found for this claim."
    assert [r["output"] for r in rows] == ["Supports", "Refutes", "Neutral"]
    assert built.task("FEVER", "test")["output"].to_list() == ["Supports"]
