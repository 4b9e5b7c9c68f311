"""The PubTator corpora of the mirror (BioRED, GNormPlus, tmVar 1-3) built into their MedINST tasks: counts
derived from the raw files with plain Python (not through the parser), the literal numbers, and the exact
samples of one document per source."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

VARIANT_TYPES = {"DNAMutation", "ProteinMutation", "SNP", "DNAAllele", "ProteinAllele", "AcidChange", "OtherMutation"}


def documents(path: Path) -> dict[str, dict]:
    """PMID -> {"text": title + " " + abstract, "mentions": [fields], "relations": [fields]}, read plainly."""
    docs: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        head = re.match(r"^(\d+)\|([ta])\|(.*)$", line)
        if head:
            doc = docs.setdefault(head[1], {"text": "", "mentions": [], "relations": []})
            doc["text"] = head[3] if head[2] == "t" else f"{doc['text']} {head[3]}"
        elif line.strip():
            fields = line.split("\t")
            if fields[0] in docs:
                docs[fields[0]]["mentions" if fields[1].isdigit() else "relations"].append(fields)
    return docs


def with_any(docs: dict[str, dict], keep) -> int:
    """Documents with at least one mention that `keep` accepts."""
    return sum(1 for doc in docs.values() if any(keep(m) for m in doc["mentions"]))


def items(mirror_sql, task: str, closer: str = ">]") -> int:
    """Bracketed items over all of a task's outputs (an NER/NED item ends in `>]`)."""
    return mirror_sql(f"select sum(length(output) - length(replace(output, '{closer}', ''))) // {len(closer)} "
                      f"from instructions where task = '{task}'")[0][0]


def sample(mirror_sql, task: str, pmid: str) -> tuple[str, str, str]:
    rows = mirror_sql(f"select split, input, output from instructions where task = '{task}' and doc_id = '{pmid}'")
    assert len(rows) == 1, rows
    return rows[0]


# BioRED


def biored_has_id(mention: list[str]) -> bool:
    return any(i.strip() not in ("", "-") for i in mention[5].split(","))


def test_biored_counts(mirror_counts, mirror_sql, corpora):
    for file, split in [("Train", "train"), ("Dev", "dev"), ("Test", "test")]:
        docs = documents(corpora / "biored" / f"{file}.PubTator")
        assert mirror_counts["BioRED", split] == with_any(docs, lambda m: True)
        assert mirror_counts["BioRED-NED", split] == with_any(docs, biored_has_id)
        assert mirror_counts["BioRED-RE", split] == sum(1 for d in docs.values() if d["relations"])
    assert [mirror_counts[t, s] for t in ("BioRED", "BioRED-NED", "BioRED-RE") for s in ("train", "dev", "test")] == [
        400, 100, 100, 400, 100, 100, 395, 98, 100]
    # every mention listed, every relation written once (MedINST's dev 97: see the task's sizes_note)
    assert items(mirror_sql, "BioRED") == 13351 + 3533 + 3535
    mentions = [m for f in ("Train", "Dev", "Test") for d in documents(corpora / "biored" / f"{f}.PubTator").values()
                for m in d["mentions"]]
    assert items(mirror_sql, "BioRED-NED") == sum(map(biored_has_id, mentions)) == 20419 - 63  # 63 have `-`
    relation_types = ["Association", "Positive_Correlation", "Negative_Correlation", "Bind", "Cotreatment",
                      "Comparison", "Drug_Interaction", "Conversion"]
    assert sum(items(mirror_sql, "BioRED-RE", f" <{t}> ") for t in relation_types) == 4178 + 1162 + 1163
    assert sample(mirror_sql, "BioRED-RE", "16018252")[0] == "dev"


def test_biored_samples(mirror_sql, corpora):
    text = documents(corpora / "biored" / "Train.PubTator")["7468724"]["text"]
    assert text.startswith("Cardiovascular complications associated with terbutaline treatment for preterm labor. ")
    assert sample(mirror_sql, "BioRED", "7468724") == ("train", text, (
        "[Cardiovascular complications <DiseaseOrPhenotypicFeature>] [terbutaline <ChemicalEntity>] "
        "[preterm labor <DiseaseOrPhenotypicFeature>] [cardiovascular complications <DiseaseOrPhenotypicFeature>] "
        "[patients <OrganismTaxon>] [terbutaline <ChemicalEntity>] [preterm labor <DiseaseOrPhenotypicFeature>] "
        "[corticosteroid <ChemicalEntity>]"))
    assert sample(mirror_sql, "BioRED-NED", "7468724")[1:] == (text, (
        "[Cardiovascular complications <MESH/D002318>] [terbutaline <MESH/D013726>] [preterm labor <MESH/D007752>] "
        "[cardiovascular complications <MESH/D002318>] [patients <NCBITaxon/9606>] [terbutaline <MESH/D013726>] "
        "[preterm labor <MESH/D007752>] [corticosteroid <MESH/D000305>]"))
    assert sample(mirror_sql, "BioRED-RE", "7468724")[1:] == (text, (
        "[Cardiovascular complications <Association> terbutaline] "
        "[Cardiovascular complications <Positive_Correlation> corticosteroid] "
        "[terbutaline <Negative_Correlation> preterm labor] [terbutaline <Association> corticosteroid] "
        "[preterm labor <Negative_Correlation> corticosteroid]"))
    # comma-joined ids, a variant key holding `|`, an rs number, a cell line
    ned = " ".join(sample(mirror_sql, "BioRED-NED", pmid)[2] for pmid in ("16018252", "10788334"))
    assert "[SRY <NCBIGene/6736>]" in ned and "[sex reversal XY <OMIM/400044>]" in ned
    assert "<tmVar/c|SUB|A|CODON38|G>]" in ned and "<dbSNP/rs28897672>]" in ned


# GNormPlus


def test_gnormplus_counts(mirror_counts, mirror_sql, corpora):
    for file, split in [("Train", "train"), ("Test", "test")]:
        docs = documents(corpora / "gnormplus" / f"GNormPlus_{file}.PubTator")
        assert mirror_counts["GNormPlus", split] == with_any(docs, lambda m: True)
        assert mirror_counts["GNormPlus-NED", split] == with_any(docs, lambda m: len(m) > 5 and m[5].strip() != "")
    assert [mirror_counts.get((t, s), 0) for t in ("GNormPlus", "GNormPlus-NED") for s in ("train", "dev", "test")] == [
        418, 0, 261, 416, 0, 254]
    # no mention lost: the 39 whose offsets or text the conversion garbled are repaired, not quarantined
    assert items(mirror_sql, "GNormPlus") == 5793 + 4849
    assert items(mirror_sql, "GNormPlus-NED") == 7466 + 10
    assert '[" DEAD " box <DomainMotif>]' in sample(mirror_sql, "GNormPlus", "8248204")[2]
    assert "[Ge-1 fusion proteins <FamilyName>] [Ge-1 <Gene>]" in sample(mirror_sql, "GNormPlus", "7520377")[2]


def test_gnormplus_samples(mirror_sql, corpora):
    text = documents(corpora / "gnormplus" / "GNormPlus_Train.PubTator")["1579499"]["text"]
    assert sample(mirror_sql, "GNormPlus", "1579499") == ("train", text, (
        "[RNA helicase <FamilyName>] [RNA helicase <FamilyName>] [p54 <Gene>] [RNA helicase <FamilyName>] "
        "[ME31B <Gene>] [ME31B <Gene>]"))
    assert sample(mirror_sql, "GNormPlus-NED", "1579499") == (
        "train", text, "[p54 <NCBIGene/1656>] [ME31B <NCBIGene/34364>] [ME31B <NCBIGene/34364>]")


# tmVar 1


def test_tmvar_v1_counts_and_sample(mirror_counts, mirror_sql, corpora):
    for split in ("train", "test"):
        docs = documents(corpora / "tmvar_v1" / f"{split}.PubTator.txt")
        assert mirror_counts["tmVar-v1", split] == with_any(docs, lambda m: True)
    assert (mirror_counts["tmVar-v1", "train"], mirror_counts.get(("tmVar-v1", "dev"), 0),
            mirror_counts["tmVar-v1", "test"]) == (213, 0, 101)
    assert items(mirror_sql, "tmVar-v1") == 967 + 464
    text = documents(corpora / "tmvar_v1" / "train.PubTator.txt")["16628674"]["text"]
    assert sample(mirror_sql, "tmVar-v1", "16628674") == ("train", text, "[V1188E <ProteinMutation>]")


# tmVar 2


def tmvar_v2_has_rs(mention: list[str]) -> bool:
    return any(re.fullmatch(r"RSID:\d+|rs\d+", f) for f in mention[5:])


def test_tmvar_v2_counts(mirror_counts, mirror_sql, corpora):
    docs = documents(corpora / "tmvar_v2" / "tmVar.Normalization.txt")
    assert mirror_counts["tmVar-v2", "train"] == with_any(docs, lambda m: True) == 158
    assert mirror_counts["tmVar-v2-NED", "train"] == with_any(docs, tmvar_v2_has_rs) == 157
    assert not {k for k in mirror_counts if k[0].startswith("tmVar-v2") and k[1] != "train"}
    mentions = [m for d in docs.values() for m in d["mentions"]]
    assert items(mirror_sql, "tmVar-v2") == len(mentions) == 674
    assert items(mirror_sql, "tmVar-v2-NED") == sum(map(tmvar_v2_has_rs, mentions)) == 673


def test_tmvar_v2_irregular_lines_are_repaired_and_skipped_as_declared(mirror_sql):
    # line 120 lacks its type (ProteinMutation put back); line 691, a free-text note, is skipped
    assert sample(mirror_sql, "tmVar-v2", "18166824")[2] == (
        "[amino acid (proline) with a polar amino acid (serine) at position 29 <ProteinMutation>] "
        "[P29S <ProteinMutation>] [M200V <ProteinMutation>]")
    assert sample(mirror_sql, "tmVar-v2-NED", "18166824")[2] == (
        "[amino acid (proline) with a polar amino acid (serine) at position 29 <dbSNP/rs2075789>] "
        "[P29S <dbSNP/rs2075789>] [M200V <dbSNP/rs2227914>]")
    assert sample(mirror_sql, "tmVar-v2", "21615796")[2] == (
        "[rs763780 <SNP>] [7488T/C <DNAMutation>] [His-to-Arg substitution at amino acid 161 <ProteinMutation>]")


def test_tmvar_v2_samples(mirror_sql, corpora):
    text = documents(corpora / "tmvar_v2" / "tmVar.Normalization.txt")["12636044"]["text"]
    assert sample(mirror_sql, "tmVar-v2", "12636044") == ("train", text, "[c2403T --> C <DNAMutation>]")
    assert sample(mirror_sql, "tmVar-v2-NED", "12636044") == ("train", text, "[c2403T --> C <dbSNP/rs7415038>]")
    # an SNP's rs (6th column) and its variants' RSID (7th) are one id
    assert sample(mirror_sql, "tmVar-v2-NED", "22051099")[2] == (
        "[rs2234671 <dbSNP/rs2234671>] [Ex2+860G>C <dbSNP/rs2234671>] [S276T <dbSNP/rs2234671>] "
        "[rs2234671 <dbSNP/rs2234671>] [rs2234671 <dbSNP/rs2234671>]")


# tmVar 3


def tmvar_v3_linked(mention: list[str]) -> bool:
    """A mention the NED task lists: a gene, species or cell line with an id, a variant with a key or rs number."""
    if mention[4] in ("Gene", "Species", "CellLine"):
        return any(p.strip() not in ("", "-") for p in re.split("[;,]", mention[5]))
    return mention[4] in VARIANT_TYPES and any("|" in p or p.startswith(("rs", "RS#:")) for p in mention[5].split(";"))


def test_tmvar_v3_counts(mirror_counts, mirror_sql, corpora):
    docs = {}
    for file in ("tmVar3_Train.PubTator", "tmVar3_Test.PubTator"):
        docs |= documents(corpora / "tmvar_v3" / file)
    assert len(docs) == 500
    assert mirror_counts["tmVar-v3", "test"] == with_any(docs, lambda m: m[4] != "Disease") == 493
    assert mirror_counts["tmVar-v3-NED", "test"] == with_any(docs, tmvar_v3_linked) == 493
    assert not {k for k in mirror_counts if k[0].startswith("tmVar-v3") and k[1] != "test"}
    mentions = [m for d in docs.values() for m in d["mentions"]]
    assert items(mirror_sql, "tmVar-v3") == sum(m[4] != "Disease" for m in mentions) == 7837
    assert items(mirror_sql, "tmVar-v3-NED") == sum(map(tmvar_v3_linked, mentions))
    # abstract 21904390's 21 shifted mentions are moved onto their text, not quarantined
    ner = sample(mirror_sql, "tmVar-v3", "21904390")[2]
    assert ner.count(">]") == sum(m[4] != "Disease" for m in docs["21904390"]["mentions"]) == 23
    assert ner.count("[PAX6 <Gene>]") == 9


def test_tmvar_v3_samples(mirror_sql, corpora):
    text = documents(corpora / "tmvar_v3" / "tmVar3_Train.PubTator")["16628674"]["text"]
    assert sample(mirror_sql, "tmVar-v3", "16628674") == ("test", text, (
        "[multidrug-resistance protein 2 <Gene>] [patients <Species>] [valine for glutamate <AcidChange>] "
        "[V1188E <ProteinMutation>] [multidrug resistance protein 2 <Gene>] [patients <Species>]"))
    assert sample(mirror_sql, "tmVar-v3-NED", "16628674") == ("test", text, (
        "[multidrug-resistance protein 2 <NCBIGene/1244>] [patients <NCBITaxon/9606>] "
        "[valine for glutamate <dbSNP/rs17222723>] [V1188E <dbSNP/rs17222723>] "
        "[multidrug resistance protein 2 <NCBIGene/1244>] [patients <NCBITaxon/9606>]"))
    # a variant without an rs number keeps its tmVar key; a variant's own gene id is not its identity
    ned = sample(mirror_sql, "tmVar-v3-NED", "17671735")[2]
    assert "[-3170G>A <tmVar/c|SUB|G|-3170|A>]" in ned and "[p.R127H <dbSNP/rs111033196>]" in ned
    assert "Delta(GJB6-D13S1830)" not in ned and "GENE" not in ned
