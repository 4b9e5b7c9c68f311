"""The build flow end to end on the real corpora mirror, under a Prefect test server."""

import csv
import hashlib
import json
import re
from pathlib import Path

import openpyxl
import pytest
import yaml
from helpers import registry_copy

from flows.build import BuildFailed, build
from flows.cli import main
from schemas.errors import RegistryError
from warehouse.catalog import query
from warehouse.layout import current_build

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


# Counts derived straight from the raw files, independently of the parsers.
def iob_sentences(path: Path) -> int:
    return sum(1 for block in path.read_text().split("\n\n") if block.strip())


def pubtator_documents(path: Path) -> int:
    """Distinct PMIDs with at least one mention (a repeated document counts once)."""
    return len({line.split("\t")[0] for line in path.read_text().splitlines() if line.count("\t") >= 4})


def tsv_column(path: Path, column: int) -> set[str]:
    return {line.split("\t")[column] for line in path.read_text().splitlines() if line.strip()}


def iob_sentences_with(path: Path, tag: str) -> int:
    return sum(1 for block in path.read_text().split("\n\n") if f"B-{tag}" in block)


def counts(home: Path) -> dict[tuple[str, str], int]:
    _, rows = query(current_build(home), "select task, split, count(*) from instructions group by all")
    return {(task, split): n for task, split, n in rows}


@pytest.fixture(scope="module")
def built(mirror_build, corpora):
    home, first = mirror_build
    second = build(home=str(home), sources_root=str(corpora))
    return home, first, second


def test_counts_match_the_raw_files(built, corpora):
    home, _, _ = built
    got = counts(home)
    iob = corpora / "ncbi_disease_iob"
    for file, split in [("train.tsv", "train"), ("devel.tsv", "dev"), ("test.tsv", "test")]:
        assert got["NCBI-disease", split] == iob_sentences(iob / file)
    assert (got["NCBI-disease", "train"], got["NCBI-disease", "dev"], got["NCBI-disease", "test"]) == (5424, 923, 940)

    ncbi = corpora / "ncbi_disease"
    for file, split in [("NCBItrainset_corpus.txt", "train"), ("NCBIdevelopset_corpus.txt", "dev"),
                        ("NCBItestset_corpus.txt", "test")]:
        assert got["NCBI-disease-NED", split] == pubtator_documents(ncbi / file)

    test_ids = json.loads((corpora / "pubmedqa" / "test_ground_truth.json").read_text())
    all_ids = json.loads((corpora / "pubmedqa" / "ori_pqal.json").read_text())
    assert got["PubMedQA-labeled", "test"] == len(test_ids) == 500
    assert (got["PubMedQA-labeled", "train"], got["PubMedQA-labeled", "dev"]) == (450, 50)
    assert got["PubMedQA-labeled", "train"] + got["PubMedQA-labeled", "dev"] == len(set(all_ids) - set(test_ids))

    assert (got["BIOSSES", "train"], got["BIOSSES", "dev"], got["BIOSSES", "test"]) == (64, 16, 20)
    hoc_sentences = sum(len(p.read_text().splitlines()) for p in (corpora / "hoc" / "text").glob("*.txt"))
    # 65 sentences hold U+FFFD (a character lost before the release): quarantined
    assert sum(n for (task, _), n in got.items() if task == "Hallmarks-of-Cancer") == hoc_sentences - 65 == 17399
    assert got["MQP", "train"] == len((corpora / "mqp" / "mqp.csv").read_text().splitlines()) == 3048
    assert got["MedQA", "test"] == len((corpora / "medqa" / "test.jsonl").read_text().splitlines()) == 1273


def test_counts_of_the_other_mirror_corpora_match_their_raw_files(built, corpora):
    home, _, _ = built
    got = counts(home)
    splits = [("train", "train"), ("devel", "dev"), ("test", "test")]
    for folder, task in [("bc5cdr_iob", "BC5CDR"), ("bc2gm_iob", "BC2GM"), ("linnaeus", "Linnaeus")]:
        for name, split in splits:
            assert got[task, split] == iob_sentences(corpora / folder / f"{name}.tsv"), (task, split)
    assert (got["BC5CDR", "train"], got["BC5CDR", "dev"], got["BC5CDR", "test"]) == (4560, 4581, 4797)

    cdr = corpora / "bc5cdr"
    for name, split in [("Training", "train"), ("Development", "dev"), ("Test", "test")]:
        pubtator = cdr / f"CDR_{name}Set.PubTator.txt"
        assert got["BC5CDR-NED", split] == pubtator_documents(pubtator) == 500
        cid_documents = {line.split("\t")[0] for line in pubtator.read_text().splitlines() if "\tCID\t" in line}
        assert got["BC5CDR-RE", split] == len(cid_documents) == 500

    chemprot = corpora / "chemprot"
    for folder, suffix, split in [("chemprot_training", "training", "train"),
                                  ("chemprot_development", "development", "dev"), ("chemprot_test_gs", "test", "test")]:
        entities = next((chemprot / folder).glob("*_entities*.tsv"))
        assert got["ChemProt", split] == len(tsv_column(entities, 0))
        gold = chemprot / folder / f"chemprot_{suffix}_gold_standard.tsv"
        assert got["ChemProt-RE", split] == len(tsv_column(gold, 0))

    # One quarantined record each, as the quarantine test below shows.
    rqe = corpora / "mediqa_rqe"
    for name, split, quarantined in [("TrainingSet-AMIA2016", "train", 1), ("ValidationSet-AMIA2016", "dev", 0),
                                     ("TestSet-wLabels", "test", 0)]:
        pairs = (rqe / f"MEDIQA2019-Task2-RQE-{name}.xml").read_text().count("<pair ")
        assert got["MEDIQA-RQE", split] == pairs - quarantined
    questions = [q for f in sorted((corpora / "bioasq").glob("*_golden.json")) for q in json.loads(f.read_text())["questions"]]
    for kind, quarantined in [("yesno", 0), ("list", 0), ("factoid", 1), ("summary", 0)]:
        assert got[f"BioASQ-Task-B-{kind}", "test"] == sum(q["type"] == kind for q in questions) - quarantined

    for name, split in [("dev", "dev"), ("test", "test")]:
        with open(corpora / "healthver" / f"healthver_{name}.csv", newline="") as f:
            assert got["HealthVer", split] == sum(1 for _ in csv.DictReader(f))
    sheet = openpyxl.load_workbook(corpora / "meqsum" / "MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx").active
    assert got["MeQSum", "train"] == sheet.max_row - 1 == 1000
    assert got["MedMCQA", "test"] == len((corpora / "medmcqa" / "test.jsonl").read_text().splitlines()) == 2816
    for name, split in [("val", "dev"), ("test", "test")]:
        assert got["Cochrane-PLS", split] == len((corpora / "cochrane_pls" / f"{name}.source").read_text().splitlines())
    gad = corpora / "gad" / "1"
    assert got["GAD-fold1", "train"] == len((gad / "train.tsv").read_text().splitlines())
    assert got["GAD-fold1", "test"] == len((gad / "test.tsv").read_text().splitlines()) - 1  # header
    medal_rows = len((corpora / "medal" / "sample.csv").read_text().splitlines()) - 1
    assert sum(got["MeDAL", s] for s in ("train", "dev", "test")) == medal_rows == 268

    ddi_train = sum("<entity " in p.read_text() for p in (corpora / "ddi_corpus" / "Train").rglob("*.xml"))
    assert got["DDI", "train"] == ddi_train - 1  # one document quarantined (a bad offset)

    iob2_test = corpora / "jnlpba" / "original-data" / "test" / "Genia4EReval1.iob2"
    assert got["JNLPBA-DNA", "test"] == iob_sentences_with(iob2_test, "DNA") == 622
    assert got["JNLPBA-RNA", "test"] == iob_sentences_with(iob2_test, "RNA") == 102


BRACKET = re.compile(r"\[([^\[\]]*)\]")


def occurs(mention: str, text: str) -> bool:
    """A mention is in the text, or, when discontinuous (fragments joined by spaces), each of its words is."""
    return mention in text or all(word in text for word in mention.split())


def test_rendered_outputs_round_trip_to_their_inputs(built):
    home, _, _ = built
    _, rows = query(current_build(home), "select task, input, output from instructions where category = 'NER'")
    for task, text, output in rows:
        if " [O]" in output or " [B]" in output:  # BIO: the words, without their tags, are the sentence
            assert re.sub(r" \[[BIO]\]", "", output) == text, task
        else:
            mentions = [item.rsplit(" <", 1)[0] for item in BRACKET.findall(output)]
            assert mentions and all(occurs(m, text) for m in mentions), task
    _, rows = query(current_build(home), "select task, input, output from instructions where category in ('NED', 'RE') "
                                         "and task not in ('MeDAL')")
    for task, text, output in rows:
        for item in BRACKET.findall(output):
            arguments = re.split(r" <[^<>]*> ?", item)  # `mention <ID>` or `arg1 <relation> arg2`
            assert all(occurs(a, text) for a in arguments if a), (task, item)


def test_rendered_rows_are_exact(built):
    home, _, _ = built
    _, rows = query(
        current_build(home),
        "select output from instructions where task = 'NCBI-disease' and doc_id = 'train.tsv:0'",
    )
    assert rows == [(
        "Identification [O] of [O] APC2 [O] , [O] a [O] homologue [O] of [O] the [O] adenomatous [B] "
        "polyposis [I] coli [I] tumour [I] suppressor [O] . [O]",
    )]
    _, rows = query(current_build(home), "select input, output from instructions where task = 'MedQA' and doc_id = '0'")
    question, answer = rows[0]
    assert answer == "Tell the attending that he cannot fail to disclose this mistake"
    assert question.startswith("Question: A junior orthopaedic surgery resident is completing a carpal tunnel repair")
    assert question.endswith(
        "\nOptions:\nA. Disclose the error to the patient and put it in the operative report\n"
        "B. Tell the attending that he cannot fail to disclose this mistake\n"
        "C. Report the physician to the ethics committee\nD. Refuse to dictate the operative report"
    )
    _, rows = query(current_build(home), "select output from instructions where task = 'NCBI-disease-NED' and doc_id = '10192393'")
    assert rows[0][0].startswith("[skin tumour <MESH/D012878>] [cancer <MESH/D009369>] [colon cancers <MESH/D003110>]")
    assert "[colon and some other cancers <MESH/D003110|MESH/D009369>]" in rows[0][0]


def test_uids_are_stable_across_rebuilds_and_follow_the_formula(built):
    home, first, second = built
    builds = home / "warehouse" / "builds"
    uids = [set(r[0] for r in query(builds / b["build_id"], "select uid from instructions")[1]) for b in (first, second)]
    _, [(total,)] = query(current_build(home), "select count(*) from instructions")
    assert uids[0] == uids[1] and len(uids[0]) == total > 150_000
    _, rows = query(current_build(home), "select uid, source, doc_id, task, split, input, output from instructions limit 1")
    uid, *fields = rows[0]
    assert uid == hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def test_second_build_recomputes_nothing(built):
    _, first, second = built
    assert {s["cache"] for s in first["sources"]} == {"rebuilt"}
    assert {s["cache"] for s in second["sources"]} == {"cached"}
    assert first["build_id"] != second["build_id"]


def test_catalog_views_describe_the_build(built):
    home, _, second = built
    build_dir = current_build(home)
    assert build_dir.name == second["build_id"]
    _, rows = query(build_dir, "select task, category, source, train, dev, test, license from tasks where task = 'BIOSSES'")
    assert rows == [("BIOSSES", "STS", "biosses", 64, 16, 20, "GPL-3.0")]
    _, rows = query(build_dir, "select source, recomputed, len(files) from sources where source = 'biosses'")
    assert rows == [("biosses", False, 2)]
    _, rows = query(build_dir, "select rows from build_stats where source = 'ncbi_disease' and reason = 'duplicate_uid'")
    assert rows == [(1,)]  # PMID 8528200 appears twice in the training file
    _, rows = query(build_dir, "select source, reason, file from quarantine where source = 'ddi_corpus'")
    assert rows == [("ddi_corpus", "entity offsets reproduce the text", "Train/DrugBank/Eszopiclone_ddi.xml")]
    _, rows = query(build_dir, "select count(*) from quarantine")
    assert rows == [(72,)]  # 5 bad records, and 65 HoC and 2 WMT rows holding U+FFFD
    _, rows = query(build_dir, "select split, rows from build_stats where task = 'BIOSSES' and step = 'publish' "
                               "order by split")
    assert rows == [("dev", 16), ("test", 20), ("train", 64)]


def test_every_medinst_task_is_listed(built):
    home, _, _ = built
    _, rows = query(current_build(home), "select count(*), count(distinct instruction), "
                                         "count(*) filter (where status in ('built', 'partial')) from tasks "
                                         "where in_medinst")
    assert rows == [(163, 163, 100)]
    _, rows = query(current_build(home), "select status, obtainable, count(*) from sources group by all order by all")
    # 13 mirror sources lack the optional rest of their release; the 38 others are not in the mirror
    assert rows == [("built", "mirror", 52), ("not buildable", "not obtainable", 1), ("partial", "mirror", 13),
                    ("skipped", "manual", 3), ("skipped", "origin", 35)]


def test_every_size_unlike_table_11_is_explained_and_every_unbuilt_task_says_why(built):
    home, _, _ = built
    _, unexplained = query(current_build(home), """
        select task from tasks where in_medinst and status in ('built', 'partial') and sizes_note is null
          and (train, dev, test) <> (medinst_train, medinst_dev, medinst_test) order by task""")
    assert unexplained == []
    _, silent = query(current_build(home), "select task from tasks where status <> 'built' and reason is null")
    assert silent == []
    _, silent = query(current_build(home), "select task from tasks where status = 'skipped' and reason is null")
    assert silent == []
    _, rows = query(current_build(home), "select count(*) filter (where (train, dev, test) = (medinst_train, "
                                         "medinst_dev, medinst_test)), count(*) from tasks where in_medinst "
                                         "and status in ('built', 'partial')")
    assert rows == [(61, 100)]  # 61 of the 100 built MedINST tasks equal Table 11 exactly


def test_sql_command_prints_csv_from_any_working_directory(built, tmp_path, monkeypatch, capsys):
    home, _, _ = built
    monkeypatch.chdir(tmp_path)
    sql = "select task, split, count(*) as n from instructions where task like 'PubMed%' group by all order by all"
    assert main(["sql", sql, "--format", "csv", "--home", str(home)]) == 0
    assert capsys.readouterr().out == "task,split,n\nPubMedQA-labeled,dev,50\nPubMedQA-labeled,test,500\nPubMedQA-labeled,train,450\n"


def test_sql_command_is_read_only(built, capsys):
    home, _, _ = built
    assert main(["sql", "create table x as select 1", "--home", str(home)]) == 1
    assert "read-only" in capsys.readouterr().err
    assert main(["sql", "select * from read_csv('/etc/passwd')", "--home", str(home)]) == 1
    assert "Permission Error" in capsys.readouterr().err


# --- changes and subsets ---------------------------------------------------------------------



def test_changing_one_yaml_rebuilds_only_that_source(built, corpora, tmp_path):
    home, _, _ = built
    new_instruction = "Decide whether two patient questions mean the same; answer 1 if they do and 0 if not."
    registry = registry_copy(tmp_path, "mqp", lambda d: d["tasks"][0].update(instruction=new_instruction))
    result = build(home=str(home), sources_root=str(corpora), registry=[str(registry)])
    caches = {s["source"]: s["cache"] for s in result["sources"]}
    assert caches.pop("mqp") == "rebuilt" and len(caches) == 64
    assert set(caches.values()) == {"cached"}
    _, rows = query(current_build(home), "select distinct instruction from instructions where task = 'MQP'")
    assert rows == [(new_instruction,)]


def test_only_builds_a_subset(prefect_server, corpora, tmp_path):
    result = build(only=["medqa", "mqp"], home=str(tmp_path), sources_root=str(corpora))
    assert [s["source"] for s in result["sources"]] == ["medqa", "mqp"]
    assert counts(tmp_path) == {("MedQA", "test"): 1273, ("MQP", "train"): 3048}


def test_unknown_source_is_refused_with_the_closest_names(prefect_server, tmp_path):
    with pytest.raises(BuildFailed) as failed:
        build(only=["nope", "ncbi_diseas"], home=str(tmp_path))
    assert str(failed.value) == ("unknown source or task 'nope', 'ncbi_diseas' (did you mean ncbi_disease or "
                                 "ncbi_disease_iob or scai_disease?); `medinst sources` lists them")


# --- bad input leaves the published warehouse as it was ---------------------------------------

@pytest.fixture
def published(prefect_server, corpora, tmp_path):
    """A home with a published one-source warehouse, and a check that it is untouched afterwards."""
    home = tmp_path / "home"
    build(only=["ncbi_disease"], home=str(home), sources_root=str(corpora))
    before = (home / "warehouse" / "CURRENT").read_text()
    yield home
    assert (home / "warehouse" / "CURRENT").read_text() == before
    assert counts(home) == {("NCBI-disease-NED", "train"): 592, ("NCBI-disease-NED", "dev"): 100,
                            ("NCBI-disease-NED", "test"): 100}


def patched_devel(tmp_path: Path, corpora: Path, patch) -> tuple[Path, Path]:
    """A mirror whose NCBI devel file is changed by `patch(lines)`, and a registry declaring only that file."""
    mirror = tmp_path / "mirror" / "ncbi_disease"
    mirror.mkdir(parents=True)
    lines = (corpora / "ncbi_disease" / "NCBIdevelopset_corpus.txt").read_text().split("\n")
    text = "\n".join(patch(lines))
    (mirror / "NCBIdevelopset_corpus.txt").write_text(text)
    sha = hashlib.sha256(text.encode()).hexdigest()

    def edit(d):
        d["files"] = [f | {"sha256": sha} for f in d["files"] if f["path"] == "NCBIdevelopset_corpus.txt"]

    return mirror.parent, registry_copy(tmp_path, "ncbi_disease", edit)


def test_truncated_pubtator_file_fails_naming_file_and_line(published, corpora, tmp_path):
    lines = (corpora / "ncbi_disease" / "NCBIdevelopset_corpus.txt").read_text().split("\n")
    second_title = [i for i, line in enumerate(lines) if "|t|" in line][1]
    # Cut the file right after the title line of its second document.
    mirror, registry = patched_devel(tmp_path, corpora, lambda lines: lines[: second_title + 1])
    with pytest.raises(BuildFailed, match=rf"ncbi_disease: NCBIdevelopset_corpus.txt, line {second_title + 1}: "
                                          r"document \d+ has no abstract line \(truncated file\?\)"):
        build(home=str(published), sources_root=str(mirror), registry=[str(registry)], only=["ncbi_disease"])


def test_wrong_offset_is_quarantined_and_fails_the_build(published, corpora, tmp_path):
    def shift(lines):
        first = next(i for i, line in enumerate(lines) if line.count("\t") >= 4)  # the first mention
        fields = lines[first].split("\t")
        fields[1] = str(int(fields[1]) + 1)
        return [*lines[:first], "\t".join(fields), *lines[first + 1 :]]

    mirror, registry = patched_devel(tmp_path, corpora, shift)
    with pytest.raises(BuildFailed, match=r"NCBIdevelopset_corpus.txt, line 2: 1 row\(s\) failed validation .*"
                                          r"entity offsets reproduce the text"):
        build(home=str(published), sources_root=str(mirror), registry=[str(registry)], only=["ncbi_disease"])
    quarantined = list((published / "quarantine" / "ncbi_disease").glob("*.parquet"))
    assert len(quarantined) == 1


def test_missing_file_fails_a_strict_build_naming_it(published, corpora, tmp_path):
    registry = registry_copy(tmp_path, "ncbi_disease", lambda d: d["files"][0].update(path="absent.txt", sha256="e" * 64))
    with pytest.raises(BuildFailed, match=r"--strict: 1 source\(s\) skipped, 0 partial; the published warehouse is "
                                          r"unchanged:\n  origin not tried \(offline\) "
                                          r"\(1\):\n    ncbi_disease: cannot be fetched: not found at "
                                          r".*/ncbi_disease/absent.txt"):
        build(home=str(published), sources_root=str(corpora), registry=[str(registry)], only=["ncbi_disease"],
              strict=True)


def test_unfetchable_source_is_skipped_and_the_rest_published(prefect_server, corpora, tmp_path):
    registry = registry_copy(tmp_path, "mqp", lambda d: d["files"][0].update(path="absent.csv", sha256="e" * 64))
    declared_only = {
        "id": "future_corpus", "name": "A corpus not in the mirror", "homepage": "https://example.org",
        "license": "CC-BY-4.0", "citation": "@misc{future, title={Future}}", "files": [],
        "availability": "Not in the corpora mirror.",
        "tasks": [{"name": "Future-NER", "category": "NER", "instruction": "Find every future mention, as [x <T>].",
                   "medinst_sizes": {"train": 10, "dev": 0, "test": 5}}],
    }
    (registry / "future_corpus.yaml").write_text(yaml.safe_dump(declared_only))
    home = tmp_path / "home"
    result = build(only=["medqa", "mqp", "future_corpus"], home=str(home), sources_root=str(corpora),
                   registry=[str(registry)])
    assert [s["source"] for s in result["sources"]] == ["medqa"]
    assert result["skipped"]["future_corpus"] == "not buildable here: Not in the corpora mirror."
    assert result["skipped"]["mqp"].startswith("cannot be fetched: not found at")
    _, rows = query(current_build(home), "select task, status, train, dev, test, medinst_train, medinst_test "
                                         "from tasks order by task")
    assert rows == [("Future-NER", "not buildable", 0, 0, 0, 10, 5), ("MQP", "skipped", 0, 0, 0, 3048, 0),
                    ("MedQA", "partial", 0, 0, 1273, 10178, 1272)]  # its train and dev are manual downloads
    _, rows = query(current_build(home), "select source, status, reason is not null from sources order by source")
    assert rows == [("future_corpus", "not buildable", True), ("medqa", "partial", True), ("mqp", "skipped", True)]


def test_unknown_parser_option_is_a_registry_error(prefect_server, corpora, tmp_path):
    registry = registry_copy(tmp_path, "ncbi_disease", lambda d: d["parser"]["options"].update(defualt_db="MESH"))
    with pytest.raises(RegistryError, match=r"ncbi_disease.yaml: parser.options.defualt_db: unknown option of "
                                            r"pubtator_v1; it takes \['default_db', 'id_columns'"):
        build(home=str(tmp_path / "home"), sources_root=str(corpora), registry=[str(registry)], only=["ncbi_disease"])


def test_unknown_renderer_is_a_registry_error(prefect_server, corpora, tmp_path):
    registry = registry_copy(tmp_path, "mqp", lambda d: d["tasks"][0]["renderer"].update(name="sts_v9"))
    with pytest.raises(RegistryError, match=r"mqp.yaml: tasks.0.renderer.name: unknown renderer 'sts_v9'"):
        build(home=str(tmp_path / "home"), sources_root=str(corpora), registry=[str(registry)], only=["mqp"])


def test_checksum_mismatch_fails_naming_the_file(published, corpora, tmp_path):
    registry = registry_copy(tmp_path, "ncbi_disease", lambda d: d["files"][1].update(sha256="f" * 64))
    with pytest.raises(BuildFailed, match=r"ncbi_disease: NCBIdevelopset_corpus.txt: sha256 mismatch"):
        build(home=str(published), sources_root=str(corpora), registry=[str(registry)], only=["ncbi_disease"])


def test_bad_yaml_fails_naming_file_and_line(published, corpora, tmp_path):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "ncbi_disease.yaml").write_text("id: ncbi_disease\nname: [unclosed\n")
    with pytest.raises(RegistryError, match=r"ncbi_disease.yaml, line 3: not valid YAML"):
        build(home=str(published), sources_root=str(corpora), registry=[str(folder)], only=["ncbi_disease"])
