"""Sources of translation, summarisation and sentence-pair tasks, built from hand-written miniatures of
their releases (same archive types, member paths, file names and fields as the real ones)."""

import gzip
import json

from helpers import tar_of

PARAMED = "https://raw.githubusercontent.com/boxiangliu/ParaMed/master/data/nejm-open-access.tar.gz"


_tar_gz = tar_of


def test_paramed_from_its_open_access_archive(miniature, tmp_path):
    base = "./processed_data/open_access/open_access/nejm"
    archive = _tar_gz(tmp_path / "nejm-open-access.tar.gz", {
        f"{base}.train.zh": "在 这项 试验 中 , 死亡率 下降 了 。\n患者 被 随机 分组 。\n",
        f"{base}.train.en": "in this trial , mortality fell .\npatients were randomly assigned .\n",
        f"{base}.dev.zh": "结果 见 表 2 。\n",
        f"{base}.dev.en": "results are shown in table 2 .\n",
        f"{base}.test.zh": "我们 招募 了 120 名 患者 。\n",
        f"{base}.test.en": "we enrolled 120 patients .\n",
    })
    built = miniature("paramed", {PARAMED: archive})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("ParaMed", "train"): 2, ("ParaMed", "dev"): 1, ("ParaMed", "test"): 1}
    row = built.task("ParaMed", "test").row(0, named=True)
    assert (row["input"], row["output"]) == ("我们 招募 了 120 名 患者 。", "we enrolled 120 patients .")
    assert built.task("ParaMed", "train")["output"].to_list() == [
        "in this trial , mortality fell .", "patients were randomly assigned ."]


SCIELO_ES, SCIELO_PT = "https://ndownloader.figstatic.com/files/14019287", "https://ndownloader.figstatic.com/files/14019308"


def test_scielo_from_its_two_figshare_archives(miniature, tmp_path):
    en_es = _tar_gz(tmp_path / "en_es.tar.gz", {
        "en_es.en": "The prevalence of anemia was 12%.\nData were analysed with SPSS.\n",
        "en_es.es": "La prevalencia de anemia fue del 12%.\nLos datos se analizaron con SPSS.\n",
    })
    en_pt = _tar_gz(tmp_path / "en_pt.tar.gz", {
        "en_pt.en": "Patients were followed for two years.\n",
        "en_pt.pt": "Os pacientes foram acompanhados por dois anos.\n",
    })
    built = miniature("scielo", {SCIELO_ES: en_es, SCIELO_PT: en_pt})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("SciELO", "train"): 3}
    rows = built.task("SciELO", "train").select("input", "output").rows()
    assert ("Target language: Spanish\nSentence: The prevalence of anemia was 12%.",
            "La prevalencia de anemia fue del 12%.") in rows
    assert ("Target language: Portuguese\nSentence: Patients were followed for two years.",
            "Os pacientes foram acompanhados por dois anos.") in rows


XSCIENCE = "https://raw.githubusercontent.com/yaolu/Multi-XScience/master/data"


def test_multi_xscience_from_its_three_gzipped_json_files(miniature, tmp_path):
    def paper(aid, related_work, refs):
        return {"aid": aid, "mid": "2" + aid.replace(".", ""), "abstract": f"Abstract of {aid}.",
                "related_work": related_work,
                "ref_abstract": {k: {"mid": "1", "abstract": v} for k, v in refs.items()}}

    splits = {
        "train": [paper("2010.14235", "Summaries were built by @cite_2 and @cite_7 .",
                        {"@cite_2": "Extreme summarization.", "@cite_7": ""}),
                  paper("2010.00001", "See @cite_1 .", {"@cite_1": "Graphs."})],
        "val": [paper("1901.00002", "Prior work @cite_4 .", {"@cite_4": "Pointer networks."})],
        "test": [paper("1801.00003", "Unlike @cite_9 , we ...", {"@cite_9": "Seq2seq."})],
    }
    releases = {}
    for split, papers in splits.items():
        path = tmp_path / f"{split}.json.gz"
        path.write_bytes(gzip.compress(json.dumps(papers).encode()))
        releases[f"{XSCIENCE}/{split}.json.gz"] = path
    built = miniature("multi_xscience", releases)
    assert built.run.quarantine.height == 0
    assert built.counts() == {("Multi-XScience", "train"): 2, ("Multi-XScience", "dev"): 1,
                              ("Multi-XScience", "test"): 1}
    rows = built.task("Multi-XScience", "train").select("input", "output").rows()
    assert ("Abstract: Abstract of 2010.14235.\nReferences: @cite_2: Extreme summarization. @cite_7:",
            "Summaries were built by @cite_2 and @cite_7 .") in rows
    row = built.task("Multi-XScience", "dev").row(0, named=True)
    assert (row["input"], row["output"]) == ("Abstract: Abstract of 1901.00002.\nReferences: @cite_4: Pointer networks.",
                                             "Prior work @cite_4 .")


def test_medical_data_from_its_manually_downloaded_training_file(miniature, tmp_path):
    csv_file = tmp_path / "train_F3WbcTw.csv"
    csv_file.write_text(
        'unique_hash,text,drug,sentiment\n'
        '2e180be4c9214c1f5ab51fd8cc32bc80c9f612e0,"Stelara is still fairly new to Crohn\'s treatment.\n'
        'The good news is, Stelara seems to be getting rave reviews.",stelara,0\n'
        '9eba8f80e7e20f3a2f48685530748fbfa95943e4,"Gilenya made my ""MS hug"" worse, and I stopped it.",gilenya,1\n'
        'fe809672251f6bd0d986e00380f48d047c7e7b76,"Ocrevus was approved in 2017.",ocrevus,2\n',
        encoding="utf-8",
    )
    built = miniature("medical_data", {}, manual={"train_F3WbcTw.csv": csv_file})
    assert built.run.quarantine.height == 0
    assert built.counts() == {("Medical-Data", "train"): 3}
    rows = built.task("Medical-Data", "train").select("input", "output").rows()
    assert rows[0] == ("Drug: stelara\nText: Stelara is still fairly new to Crohn's treatment.\n"
                       "The good news is, Stelara seems to be getting rave reviews.", "Positive")
    assert rows[1] == ('Drug: gilenya\nText: Gilenya made my "MS hug" worse, and I stopped it.', "Negative")
    assert rows[2][1] == "Neutral"


MANCON = "https://staffwww.dcs.shef.ac.uk/people/M.Stevenson/resources/bio_contradictions/corpus.xml"


def test_manconcorpus_pairs_claims_from_its_xml(miniature, tmp_path):
    q1, q2 = "Does aspirin prevent stroke in atrial fibrillation?", "Does exercise training improve survival?"
    # q1: 16 YS and 16 NO claims, alternating; q2: 32 YS claims. 1,024 pairs across the questions, so that
    # the entry's 1,000 neutral pairs can be drawn.
    claims = [("YS" if i % 2 == 0 else "NO", q1, f"Aspirin claim {i}.") for i in range(32)]
    claims += [("YS", q2, f"Training claim {i}.") for i in range(32)]
    xml = tmp_path / "corpus.xml"
    xml.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<CORPUS>\n' + "".join(
        f'<ABSTRACT PMID="{n}">\n<CLAIM ASSERTION="{a}" QUESTION="{q}" TYPE="main">{t}</CLAIM>\n</ABSTRACT>\n'
        for n, (a, q, t) in enumerate(claims, 1)) + "</CORPUS>\n", encoding="utf-8")
    built = miniature("manconcorpus", {MANCON: xml})
    assert built.run.quarantine.height == 0
    # contradictions 16 x 16 = 256; entailments 2 x C(16, 2) + C(32, 2) = 240 + 496; neutral 1,000
    assert built.counts() == {("ManConCorpus", "test"): 256 + 736 + 1000}
    rows = built.task("ManConCorpus", "test")
    assert rows["output"].value_counts().sort("output").rows() == [("Neutral", 1000), ("Refutes", 256),
                                                                   ("Supports", 736)]
    first = rows.filter(rows["doc_id"] == "corpus.xml:1-2").row(0, named=True)
    assert (first["input"], first["output"]) == ("Claim: Aspirin claim 0.\nEvidence: Aspirin claim 1.", "Refutes")
