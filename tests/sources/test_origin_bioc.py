"""BioC, PubTator and CSV sources outside the corpora mirror (NLM-Chem, CHEMDNER, NLM-Gene, MedMentions,
BC7-LitCovid, Bio-ID), each built from a hand-written miniature of its release (same archive type, member
paths, file names and fields as the real one)."""

import csv
import gzip
import io
from pathlib import Path

from helpers import tar_of, zip_of


def _tar(path: Path, members: dict[str, str], mode: str = "w:gz") -> Path:
    return tar_of(path, members, mode)


_zip = zip_of


def _clean(built) -> None:
    assert built.run.quarantine.height == 0


def _ann(aid: str, infons: dict[str, str], offset: int | None, text: str) -> str:
    keys = "".join(f'<infon key="{k}">{v}</infon>' for k, v in infons.items())
    loc = f'<location offset="{offset}" length="{len(text)}"/>' if offset is not None else ""
    return f'<annotation id="{aid}">{keys}{loc}<text>{text}</text></annotation>'


def _passage(ptype: str, offset: int, text: str, anns: list[str]) -> str:
    return (f'<passage><infon key="type">{ptype}</infon><offset>{offset}</offset><text>{text}</text>'
            + "".join(anns) + "</passage>")


def _collection(documents: list[tuple[str, list[str]]]) -> str:
    docs = "".join(f"<document><id>{doc_id}</id>{''.join(ps)}</document>\n" for doc_id, ps in documents)
    return ("<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE collection SYSTEM 'BioC.dtd'>\n"
            f"<collection><source>PMC</source><date>20210701</date><key>BioC.key</key>\n{docs}</collection>\n")


def _chem(aid: str, offset: int, text: str, ids: str) -> str:
    return _ann(aid, {"identifier": ids, "type": "Chemical"}, offset, text)


NLMCHEM = "https://ftp.ncbi.nlm.nih.gov/pub/lu/BC7-NLM-Chem-track/BC7T2-NLMChem-corpus_v2.BioC.xml.gz"


def test_nlmchem(miniature, tmp_path):
    title = "Cisplatin and glucose in ovarian cells"
    body = "Cisplatin with RPMI-1640 raised H2O2."
    start = len(title) + 1  # BioC offsets are article-absolute
    train = _collection([
        ("5600091", [
            _passage("front", 0, title, [
                _chem("T1", 0, "Cisplatin", "MESH:D002945"), _chem("T2", 14, "glucose", "MESH:D005947")]),
            _passage("paragraph", start, body, [
                _chem("T3", start, "Cisplatin", "MESH:D002945"),
                _chem("T4", start + 15, "RPMI-1640", "-"),  # no MeSH entry
                _chem("T5", start + 32, "H2O2", "MESH:D006861,MESH:D009569"),
                _ann("T6", {"identifier": "MESH:D002945", "type": "MeSH_Indexing_Chemical"}, None, "")]),
        ]),
    ])
    dev = _collection([("7000001", [_passage("front", 0, "Water only", [_chem("T1", 0, "Water", "MESH:D014867")])])])
    test = _collection([
        ("8000001", [_passage("front", 0, "Ethanol use", [_chem("T1", 0, "Ethanol", "MESH:D000431")])]),
        ("8000002", [_passage("front", 0, "No chemicals here", [])]),
    ])
    archive = _tar(tmp_path / "BC7T2-NLMChem-corpus_v2.BioC.xml.gz", {
        "BC7T2-NLMChem-corpus-train.BioC.xml": train, "BC7T2-NLMChem-corpus-dev.BioC.xml": dev,
        "BC7T2-NLMChem-corpus-test.BioC.xml": test})
    built = miniature("nlmchem", {NLMCHEM: archive})
    _clean(built)
    assert built.counts() == {
        ("NLM-Chem", "train"): 1, ("NLM-Chem", "dev"): 1, ("NLM-Chem", "test"): 1,
        ("NLM-Chem-NED", "train"): 1, ("NLM-Chem-NED", "dev"): 1, ("NLM-Chem-NED", "test"): 1,
    }
    ner = built.task("NLM-Chem", "train").row(0, named=True)
    assert ner["input"] == f"{title} {body}"
    assert ner["output"] == ("[Cisplatin <Chemical>] [glucose <Chemical>] [Cisplatin <Chemical>] "
                             "[RPMI-1640 <Chemical>] [H2O2 <Chemical>]")
    ned = built.task("NLM-Chem-NED", "train").row(0, named=True)
    assert ned["output"] == ("[Cisplatin <MESH/D002945>] [glucose <MESH/D005947>] [Cisplatin <MESH/D002945>] "
                             "[H2O2 <MESH/D006861|MESH/D009569>]")
    assert built.task("NLM-Chem", "test").row(0, named=True)["output"] == "[Ethanol <Chemical>]"


CHEMDNER = "https://ftp.ncbi.nlm.nih.gov/pub/lu/BC7-NLM-Chem-track/BC7T2-CHEMDNER-corpus_v2.BioC.xml.gz"


def test_chemdner(miniature, tmp_path):
    title = "Synthesis of acetylsalicylic acid"
    abstract = "ASA and flavonoids were compared."
    a = len(title) + 1
    training = _collection([
        ("21826085", [
            _passage("title", 0, title, [_chem("0", 13, "acetylsalicylic acid", "MESH:D001241")]),
            _passage("abstract", a, abstract, [
                _chem("1", a, "ASA", "MESH:D001241"), _chem("2", a + 8, "flavonoids", "MESH:D005419"),
                _ann("3", {"identifier": "-", "type": "Chemical"}, None, ""),  # no text: not a mention
                _ann("4", {"identifier": "MESH:D001241", "type": "MeSH_Indexing_Chemical"}, None, "")]),
        ]),
        ("21826086", [_passage("title", 0, "A study of gait", []), _passage("abstract", 16, "Nothing chemical.", [])]),
    ])
    development = _collection([("22080034", [_passage("title", 0, "H2O2 stress", [_chem("0", 0, "H2O2", "-")])])])
    evaluation = _collection([("23000001", [_passage("title", 0, "Benzene", [_chem("0", 0, "Benzene", "-")])])])
    # Some readers open this .gz as an uncompressed tar: the fetcher takes either (NLM-Chem's test has a gzipped one).
    archive = _tar(tmp_path / "BC7T2-CHEMDNER-corpus_v2.BioC.xml.gz", {
        "BC7T2-CHEMDNER-corpus-training.BioC.xml": training,
        "BC7T2-CHEMDNER-corpus-development.BioC.xml": development,
        "BC7T2-CHEMDNER-corpus-evaluation.BioC.xml": evaluation}, mode="w")
    built = miniature("chemdner", {CHEMDNER: archive})
    _clean(built)
    # The abstract without a chemical has nothing to extract.
    assert built.counts() == {("CHEMDNER", "train"): 1, ("CHEMDNER", "dev"): 1, ("CHEMDNER", "test"): 1}
    row = built.task("CHEMDNER", "train").row(0, named=True)
    assert row["input"] == f"{title} {abstract}"
    assert row["output"] == "[acetylsalicylic acid <Chemical>] [ASA <Chemical>] [flavonoids <Chemical>]"
    assert built.task("CHEMDNER", "dev").row(0, named=True)["output"] == "[H2O2 <Chemical>]"


NLM_GENE = "https://zenodo.org/record/5089049/files/NLM-Gene-Corpus.zip"


def _gene(aid: str, gtype: str, offset: int, text: str, ids: str) -> str:
    return _ann(aid, {"type": gtype, "NCBI Gene identifier": ids}, offset, text)


def test_nlm_gene(miniature, tmp_path):
    title = "Leptin and AKT signalling"
    abstract = "IL-10 binds its TKD in mice."
    a = len(title) + 1
    doc1 = _collection([("24886643", [
        _passage("title", 0, title, [_gene("1", "STARGENE", 0, "Leptin", "3952"), _gene("2", "Gene", 11, "AKT", "207,208")]),
        _passage("abstract", a, abstract, [
            _gene("3", "GENERIF", a, "IL-10", "-222,3586"), _gene("4", "Domain", a + 16, "TKD", "-1")]),
    ])])
    doc2 = _collection([("25000001", [_passage("title", 0, "p53 in tumours", [_gene("1", "Gene", 0, "p53", "7157")]),
                                      _passage("abstract", 15, "No more.", [])])])
    archive = _zip(tmp_path / "NLM-Gene-Corpus.zip", {
        "Corpus/FINAL/24886643.BioC.XML": doc1, "Corpus/FINAL/25000001.BioC.XML": doc2,
        "Corpus/Pmidlist.Train.txt": "24886643\n", "Corpus/Pmidlist.Test.txt": "25000001\n"})
    built = miniature("nlm_gene", {NLM_GENE: archive})
    _clean(built)
    assert built.counts() == {("NLM-Gene", "train"): 1, ("NLM-Gene", "test"): 1,
                              ("NLM-Gene-NED", "train"): 1, ("NLM-Gene-NED", "test"): 1}
    ner = built.task("NLM-Gene", "train").row(0, named=True)
    assert ner["input"] == f"{title} {abstract}"
    assert ner["output"] == "[Leptin <STARGENE>] [AKT <Gene>] [IL-10 <GENERIF>] [TKD <Domain>]"
    ned = built.task("NLM-Gene-NED", "train").row(0, named=True)
    assert ned["output"] == "[Leptin <NCBIGene/3952>] [AKT <NCBIGene/207|NCBIGene/208>] [IL-10 <NCBIGene/3586>]"
    assert built.task("NLM-Gene-NED", "test").row(0, named=True)["output"] == "[p53 <NCBIGene/7157>]"


MEDMENTIONS = "https://raw.githubusercontent.com/chanzuckerberg/MedMentions/4486107276bd5f0f69e975c39b4c2903eba8aa3e/full/data/"


def _pubtator(pmid: str, title: str, abstract: str, mentions: list[tuple[int, int, str, str]]) -> str:
    text = f"{title} {abstract}"
    lines = [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
    lines += [f"{pmid}\t{s}\t{e}\t{text[s:e]}\t{types}\t{cui}" for s, e, types, cui in mentions]
    return "\n".join(lines) + "\n\n"


def test_medmentions(miniature, tmp_path):
    title = "DCTN4 as a modifier of chronic Pseudomonas aeruginosa infection in cystic fibrosis"
    abstract = "Insulin acts on the liver."
    a = len(title) + 1
    corpus = (
        _pubtator("25763772", title, abstract, [
            (0, 5, "T116,T123", "UMLS:C4308010"), (23, 63, "T047", "UMLS:C0854135"), (67, 82, "T047", "UMLS:C0010674"),
            (a, a + 7, "T116,T121", "UMLS:C0021641"), (a + 20, a + 25, "T023", "UMLS:C0023884")])
        + _pubtator("26000001", "Type 2 diabetes", "A cohort.", [(0, 15, "T047", "UMLS:C0011860")])
        + _pubtator("27000001", "Viral load", "Rises.", [(0, 5, "T005", "UMLS:C0042776")])
    )
    gz = tmp_path / "corpus_pubtator.txt.gz"
    gz.write_bytes(gzip.compress(corpus.encode()))
    lists = {}
    for name, pmid in (("trng", "25763772"), ("dev", "26000001"), ("test", "27000001")):
        lists[name] = tmp_path / f"corpus_pubtator_pmids_{name}.txt"
        lists[name].write_text(pmid + "\n")
    built = miniature("medmentions", {
        MEDMENTIONS + "corpus_pubtator.txt.gz": gz,
        **{MEDMENTIONS + f"corpus_pubtator_pmids_{n}.txt": p for n, p in lists.items()}})
    _clean(built)
    assert built.counts() == {(t, s): 1 for t in ("MedMentions", "MedMentions-NED") for s in ("train", "dev", "test")}
    ner = built.task("MedMentions", "train").row(0, named=True)
    assert ner["input"] == f"{title} {abstract}"
    assert ner["output"] == (
        "[DCTN4 <T116>] [DCTN4 <T123>] [chronic Pseudomonas aeruginosa infection <T047>] [cystic fibrosis <T047>] "
        "[Insulin <T116>] [Insulin <T121>] [liver <T023>]")
    ned = built.task("MedMentions-NED", "train").row(0, named=True)
    assert ned["output"] == (
        "[DCTN4 <UMLS/C4308010>] [chronic Pseudomonas aeruginosa infection <UMLS/C0854135>] "
        "[cystic fibrosis <UMLS/C0010674>] [Insulin <UMLS/C0021641>] [liver <UMLS/C0023884>]")
    assert built.task("MedMentions-NED", "dev").row(0, named=True)["output"] == "[Type 2 diabetes <UMLS/C0011860>]"


LITCOVID = "https://ftp.ncbi.nlm.nih.gov/pub/lu/LitCovid/biocreative/"
LITCOVID_COLUMNS = ["pmid", "journal", "title", "abstract", "keywords", "pub_type", "authors", "doi", "label"]


def _litcovid_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(LITCOVID_COLUMNS)
    for pmid, abstract, label in rows:
        writer.writerow([pmid, "J Med Virol", f"Title {pmid}", abstract, "covid-19;sars-cov-2", "Journal Article",
                         "Doe, Jane;Roe, Rick", f"10.1002/jmv.{pmid}", label])
    path.write_text(buf.getvalue())
    return path


def test_bc7_litcovid(miniature, tmp_path):
    train = _litcovid_csv(tmp_path / "BC7-LitCovid-Train.csv", [
        ("32519164", "Remdesivir, a nucleotide analogue, shortened recovery.", "Treatment;Mechanism"),
        ("32525893", "Masks reduce \"droplet\" spread.", "Prevention")])
    dev = _litcovid_csv(tmp_path / "BC7-LitCovid-Dev.csv", [("32600001", "RT-PCR sensitivity.", "Diagnosis")])
    test = _litcovid_csv(tmp_path / "BC7-LitCovid-Test-GS.csv", [
        ("33000001", "A 45-year-old man presented with fever.", "Case Report"),
        ("33000002", "Models forecast the peak.", "Epidemic Forecasting;Transmission")])
    built = miniature("bc7_litcovid", {LITCOVID + "BC7-LitCovid-Train.csv": train,
                                       LITCOVID + "BC7-LitCovid-Dev.csv": dev,
                                       LITCOVID + "BC7-LitCovid-Test-GS.csv": test})
    _clean(built)
    # MedINST's dev is the release's gold test file, its test the release's dev file.
    assert built.counts() == {("BC7-LitCovid", "train"): 2, ("BC7-LitCovid", "dev"): 2, ("BC7-LitCovid", "test"): 1}
    row = built.task("BC7-LitCovid", "train").row(0, named=True)
    assert row["input"] == "Remdesivir, a nucleotide analogue, shortened recovery."
    assert row["output"] == "Treatment, Mechanism"
    assert built.task("BC7-LitCovid", "train").row(1, named=True)["input"] == 'Masks reduce "droplet" spread.'
    assert built.task("BC7-LitCovid", "dev")["output"].to_list() == ["Case Report", "Epidemic Forecasting, Transmission"]
    assert built.task("BC7-LitCovid", "test").row(0, named=True)["output"] == "Diagnosis"


BIOID = "https://biocreative.bioinformatics.udel.edu/media/store/files/2017/BioIDtraining_2.tar.gz"
BIOID_COLUMNS = ["thomas_article", "doi", "don_article", "figure", "annot id", "paper id", "first left", "last right",
                 "length", "byte length", "left alphanum", "text", "right alphanum", "obj", "overlap",
                 "identical span", "overlap_label_count"]


def _panel(doc_id: str, pmc: str, figure: str, text: str) -> str:
    infons = {"sourcedata_document": "1", "doi": "10.15252/embj.201488", "pmc_id": pmc, "figure": figure.split("-")[0],
              "sourcedata_figure_dir": figure}
    keys = "".join(f'<infon key="{k}">{v}</infon>' for k, v in infons.items())
    return f"<document><id>{doc_id}</id>{keys}<passage><offset>0</offset><text>{text}</text></passage></document>\n"


def test_bioid(miniature, tmp_path):
    legend_a = "p53 levels in mice treated with H2O2 (HeLa cells)."
    legend_b = "Nuclear staining only."
    xml = ("<?xml version='1.0' encoding='UTF-8'?><collection><source>SourceData</source><date>00000000</date>"
           "<key>sourcedata.key</key>\n" + _panel("1-A", "4286420", "Figure 1-A", legend_a)
           + _panel("1-B", "4286420", "Figure 1-B", legend_b) + "</collection>\n")

    def row(figure: str, start: int, text: str, obj: str, pmc: str = "4286420") -> list[str]:
        return ["1", "10.15252/embj.201488", pmc, figure, "1", "1", str(start), str(start + len(text)), str(len(text)),
                str(len(text)), "", text, "", obj, "", "", "0"]

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(BIOID_COLUMNS)
    writer.writerows([
        row("Figure 1-A", 0, "p53", "Uniprot:P04637|NCBI gene:7157"),
        row("Figure 1-A", 14, "mice", "NCBI taxon:10090"),
        row("Figure 1-A", 32, "H2O2", "CHEBI:16240"),
        row("Figure 1-A", 38, "HeLa", "CVCL_0030"),
        row("Figure 1-B", 0, "Nuclear", "subcellular:nucleus"),  # a kind, no identifier
        row("Figure 2-A", 0, "p53", "Uniprot:P04637", pmc="9999999"),  # a panel the release lacks
    ])
    archive = _tar(tmp_path / "BioIDtraining_2.tar.gz", {
        "BioIDtraining_2/caption_bioc/4286420.xml": xml, "BioIDtraining_2/annotations.csv": buf.getvalue()})
    built = miniature("bioid", {BIOID: archive})
    _clean(built)
    assert built.counts() == {("Bio-ID", "train"): 1}  # panel 1-B has nothing to link
    out = built.task("Bio-ID", "train").row(0, named=True)
    assert out["input"] == legend_a
    assert out["output"] == ("[p53 <Uniprot/P04637|NCBI gene/7157>] [mice <NCBI taxon/10090>] [H2O2 <CHEBI/16240>] "
                             "[HeLa <Cellosaurus/CVCL_0030>]")
    assert out["doc_id"] == "4286420/Figure 1-A"
