"""The IOB and phrase-list sources outside the corpora mirror, each built from a hand-written miniature of its
release (same archive type, member paths, file names and fields) through its registry entry: fetch, parse,
render, validate."""

import gzip
import io
import tarfile
import zipfile

from flows.settings import BUILTIN_REGISTRY
from schemas.registry import load_source

MTL = "https://raw.githubusercontent.com/cambridgeltl/MTL-Bioinformatics-2016"
ZENODO_55013 = "https://zenodo.org/record/55013/files/datasets.zip"


def urls(source_id: str) -> dict[str, str]:
    """Each declared file's path -> its url, as the registry has it."""
    return {f.path: f.url for f in load_source(BUILTIN_REGISTRY / f"{source_id}.yaml").files}


def write(tmp_path, name: str, data: bytes | str):
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def zipped(tmp_path, name: str, members: dict[str, str]):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for member, text in members.items():
            z.writestr(member, text.encode("latin-1"))
    return write(tmp_path, name, buf.getvalue())


def only_row(built, task, split):
    rows = built.task(task, split)
    assert rows.height == 1
    return rows["input"][0], rows["output"][0]


def test_chemdner_bio(tmp_path, miniature):
    declared = urls("chemdner_bio")
    assert declared["train.tsv"].startswith(f"{MTL}/df0df02fae6dbb87d88ffcf323b9096528f06f84/data/BC4CHEMD/")
    files = {
        "train.tsv": "Treatment\tO\nwith\tO\nacetylsalicylic\tB-Chemical\nacid\tI-Chemical\nreduced\tO\n"
                     "H2O2\tB-Chemical\nlevels\tO\n.\tO\n\nNo\tO\nchemicals\tO\nhere\tO\n.\tO\n\n",
        "devel.tsv": "Cisplatin\tB-Chemical\nis\tO\ntoxic\tO\n\n",
        "test.tsv": "Glucose\tB-Chemical\n\n",
    }
    built = miniature("chemdner_bio", {declared[n]: write(tmp_path, n, t) for n, t in files.items()})
    assert built.counts() == {("CHEMDNER-BIO", "train"): 2, ("CHEMDNER-BIO", "dev"): 1, ("CHEMDNER-BIO", "test"): 1}
    first = built.task("CHEMDNER-BIO", "train").row(0, named=True)
    assert first["input"] == "Treatment with acetylsalicylic acid reduced H2O2 levels ."
    assert first["output"] == "Treatment [O] with [O] acetylsalicylic [B] acid [I] reduced [O] H2O2 [B] levels [O] . [O]"
    assert built.run.quarantine.height == 0


def test_anat_em(tmp_path, miniature):
    declared = urls("anat_em")
    files = {
        "train.tsv": "white\tB-Anatomy\nmatter\tI-Anatomy\nof\tO\nrat\tO\nspinal\tB-Anatomy\ncord\tI-Anatomy\n\n"
                     "Figure\tO\n1\tO\n\n",
        "devel.tsv": "Images\tO\n\n",
        "test.tsv": "The\tO\n3D\tO\nspecimen\tB-Anatomy\n\nResults\tO\n\n",
    }
    built = miniature("anat_em", {declared[n]: write(tmp_path, n, t) for n, t in files.items()})
    assert built.counts() == {("AnatEM", "train"): 2, ("AnatEM", "dev"): 1, ("AnatEM", "test"): 2}
    first = built.task("AnatEM", "train").row(0, named=True)
    assert first["input"] == "white matter of rat spinal cord"
    assert first["output"] == "white [B] matter [I] of [O] rat [O] spinal [B] cord [I]"
    assert built.run.quarantine.height == 0


SCAI_CHEMICAL = (
    "### 10022424\n"
    "Aspirin\t0\t7\tAspirin\t|B-TRIVIAL\n"
    "(\t8\t9\t\t|O\n"
    "2-acetoxybenzoic\t9\t25\t2-acetoxybenzoic acid\t|B-IUPAC\n"
    "acid\t26\t30\t\t|I-IUPAC\n"
    ")\t30\t31\t\t|O\n"
    "and\t32\t35\t\t|O\n"
    "\u00df-carotene\t36\t46\t\u00df-carotene\t|B-TRIVIAL\n"
    "salicylates\t47\t58\tsalicylates\t|B-FAMILY\n"
    "\n"
    "### 10022425\n"
    "No\t0\t2\t\t|O\n"
    "chemicals\t3\t12\t\t|O\n"
    "\n"
    "### 10022426\n"
    "C9H8O4\t0\t6\tC9H8O4\t|B-SUM\n"
    "\n"
)


def test_scai_chemical(tmp_path, miniature):
    declared = urls("scai_chemical")
    name = "chemicals-test-corpus-27-04-2009-v3_iob.gz"
    release = write(tmp_path, name, gzip.compress(SCAI_CHEMICAL.encode("mac_roman")))
    built = miniature("scai_chemical", {declared[name]: release})
    assert built.counts() == {("SCAI-Chemical", "train"): 2}  # the abstract without a mention renders nothing
    rows = built.task("SCAI-Chemical", "train").sort("input")
    assert rows["input"].to_list() == ["Aspirin (2-acetoxybenzoic acid) and \u00df-carotene salicylates", "C9H8O4"]
    assert rows["output"].to_list() == [
        "[Aspirin <TRIVIAL>] [2-acetoxybenzoic acid <IUPAC>] [\u00df-carotene <TRIVIAL>] [salicylates <FAMILY>]",
        "[C9H8O4 <SUM>]",
    ]
    assert built.run.quarantine.height == 0


def test_scai_disease(tmp_path, miniature):
    declared = urls("scai_disease")
    iob = (
        "### 9001\n"
        "Rheumatoid\t0\t10\trheumatoid arthritis\t|B-DISEASE\n"
        "arthritis\t11\t20\t\t|I-DISEASE\n"
        "patients\t21\t29\t\t|O\n"
        "had\t30\t33\t\t|O\n"
        "gastrointestinal\t34\t50\tgastrointestinal bleeding\t|B-ADVERSE\n"
        "bleeding\t51\t59\t\t|I-ADVERSE\n"
        ".\t59\t60\t\t|O\n"
        "\n"
        "### 9002\n"
        "Healthy\t0\t7\t\t|O\n"
        "\n"
    )
    built = miniature("scai_disease", {declared["Disease-ae-corpus.iob"]: write(tmp_path, "Disease-ae-corpus.iob", iob)})
    assert built.counts() == {("SCAI-Disease", "train"): 1}
    text, output = only_row(built, "SCAI-Disease", "train")
    assert text == "Rheumatoid arthritis patients had gastrointestinal bleeding."
    assert output == "[Rheumatoid arthritis <DISEASE>] [gastrointestinal bleeding <ADVERSE>]"
    assert built.run.quarantine.height == 0


def test_progene(tmp_path, miniature):
    declared = urls("progene")
    sentence = "The\tO\ninterleukin-2\tB-protein\nreceptor\tI-protein\nbinds\tO\nNF-kappa\tB-protein_complex\nB\tI-protein_complex\n\n"
    members = {}
    for k in (0, 1):
        members[f"crossvalidation_data/flairSplit{k}/train.txt"] = sentence + "No\tO\ngenes\tO\n\n"
        members[f"crossvalidation_data/flairSplit{k}/dev.txt"] = "p53\tB-protein\nmutants\tO\n\n"
        members[f"crossvalidation_data/flairSplit{k}/test.txt"] = "IL-2\tB-protein\nand\tO\nIL-4\tB-protein\n\n"
    release = zipped(tmp_path, "crossvalidation_data.zip", members)
    assert len(set(declared.values())) == 1
    built = miniature("progene", {declared["flairSplit0/train.txt"]: release})
    assert built.counts() == {("ProGene", "train"): 1, ("ProGene", "dev"): 1, ("ProGene", "test"): 1}
    text, output = only_row(built, "ProGene", "train")
    assert text == "The interleukin-2 receptor binds NF-kappa B"
    assert output == "[interleukin-2 receptor <GeneOrProtein>] [NF-kappa B <GeneOrProtein>]"
    assert only_row(built, "ProGene", "test")[1] == "[IL-2 <GeneOrProtein>] [IL-4 <GeneOrProtein>]"
    assert built.run.quarantine.height == 0


def test_ebm_pico(tmp_path, miniature):
    declared = urls("ebm_pico")
    root, hl = "ebm_nlp_2_00", "ebm_nlp_2_00/annotations/aggregated/hierarchical_labels"
    files = {
        f"{root}/documents/1001.tokens": "120\nchildren\nwith\nasthma\nreceived\ninhaled\nbudesonide\nor\nplacebo\n.\n",
        f"{root}/documents/1001.text": "120 children with asthma received inhaled budesonide or placebo.",
        f"{root}/documents/1002.tokens": "Lung\nfunction\nimproved\n.\n",
        f"{root}/documents/1003.tokens": "No\nlabels\n.\n",
        f"{root}/documents/2001.tokens": "Mortality\nwas\nlow\n.\n",
        f"{hl}/participants/train/1001.AGGREGATED.ann": "3\n4\n4\n4\n0\n0\n0\n0\n0\n0\n",
        f"{hl}/interventions/train/1001.AGGREGATED.ann": "0\n0\n0\n0\n0\n3\n3\n0\n7\n0\n",
        f"{hl}/outcomes/train/1002.AGGREGATED.ann": "1\n1\n0\n0\n",
        f"{hl}/outcomes/train/1003.AGGREGATED.ann": "0\n0\n0\n",
        f"{hl}/outcomes/test/gold/2001.AGGREGATED.ann": "3\n0\n0\n0\n",
        f"{hl}/outcomes/test/crowd/2001.AGGREGATED.ann": "6\n0\n0\n0\n",
        f"{root}/annotations/aggregated/starting_spans/participants/train/1001.AGGREGATED.ann": "1\n1\n1\n1\n",
        f"{root}/annotations/individual/phase_1/participants/train/1001_A1.ann": "1\n",
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    release = write(tmp_path, "ebm_nlp_2_00.tar.gz", buf.getvalue())
    built = miniature("ebm_pico", {declared["ebm_nlp_2_00.tar.gz"]: release})
    assert built.counts() == {("EBM-NLP", "train"): 2, ("EBM-NLP", "test"): 1}
    first = built.task("EBM-NLP", "train").sort("input").row(0, named=True)
    assert first["input"] == "120 children with asthma received inhaled budesonide or placebo ."
    assert first["output"] == ("[120 <Participant_Sample-size>] [children with asthma <Participant_Condition>] "
                               "[inhaled budesonide <Intervention_Pharmacological>] [placebo <Intervention_Control>]")
    assert only_row(built, "EBM-NLP", "test") == ("Mortality was low .", "[Mortality <Outcome_Mortality>]")
    assert built.run.quarantine.height == 0


def datasets_zip(tmp_path):
    """Zenodo record 55013's datasets.zip: ten folds of each corpus (two here), latin-1 text."""
    members = {}
    for k in (0, 1):
        members[f"datasets/TwADR-L/TwADR-L.fold-{k}.train.txt"] = (
            "C0027497\tNausea\tfeel sick to my stomach\nC0917801\tInsomnia\tcant sleep\n")
        members[f"datasets/TwADR-L/TwADR-L.fold-{k}.validation.txt"] = "C0018681\tHeadache\tmy head is killing me\n"
        members[f"datasets/TwADR-L/TwADR-L.fold-{k}.test.txt"] = "C0015672\tFatigue\tfeeling like a zombie\n"
        members[f"datasets/AskAPatient/AskAPatient.fold-{k}.train.txt"] = (
            "193462001\tInsomnia\tcouldn't sleep at all\n108367008\tDislocation of joint\tdislocating\n"
            "3384011000036100\tArthrotec\tArthrot\u00e9c\n")
        members[f"datasets/AskAPatient/AskAPatient.fold-{k}.validation.txt"] = "25064002\tHeadache\theadaches\n"
        members[f"datasets/AskAPatient/AskAPatient.fold-{k}.test.txt"] = "166717003\tSerum creatinine raised\thigh cr\n"
    return zipped(tmp_path, "datasets.zip", members)


def test_twadrl(tmp_path, miniature):
    declared = urls("twadrl")
    assert set(declared.values()) == {ZENODO_55013}
    built = miniature("twadrl", {ZENODO_55013: datasets_zip(tmp_path)})
    assert built.counts() == {("TwADR-L-NED", "train"): 2, ("TwADR-L-NED", "dev"): 1, ("TwADR-L-NED", "test"): 1}
    first = built.task("TwADR-L-NED", "train").row(0, named=True)
    assert (first["input"], first["output"]) == ("feel sick to my stomach", "[feel sick to my stomach <SIDER 4/C0027497>]")
    assert only_row(built, "TwADR-L-NED", "test") == ("feeling like a zombie", "[feeling like a zombie <SIDER 4/C0015672>]")
    assert built.run.quarantine.height == 0


def test_ask_a_patient_from_the_release_and_the_mirror_copy(tmp_path, miniature):
    declared = urls("ask_a_patient")
    test_copy = write(tmp_path, "AskAPatient.fold-0.test.txt", "166717003\tSerum creatinine raised\televated creatine\n"
                                                                 "3384011000036100\tArthrotec\tArthrotec\n")
    built = miniature("ask_a_patient", {ZENODO_55013: datasets_zip(tmp_path),
                                        declared["AskAPatient/AskAPatient.fold-0.test.txt"]: test_copy})
    assert built.counts() == {("AskAPatient-NED", "train"): 3, ("AskAPatient-NED", "dev"): 1,
                              ("AskAPatient-NED", "test"): 2}
    train = built.task("AskAPatient-NED", "train")
    assert train["output"].to_list()[2] == "[Arthrot\u00e9c <SNOMED-CT|AMT/3384011000036100>]"
    assert only_row(built, "AskAPatient-NED", "dev") == ("headaches", "[headaches <SNOMED-CT|AMT/25064002>]")
    assert built.run.quarantine.height == 0


def test_ask_a_patient_optional_files_leave_the_mirror_build_as_it_was(tmp_path, miniature):
    declared = urls("ask_a_patient")
    test_copy = write(tmp_path, "AskAPatient.fold-0.test.txt", "166717003\tSerum creatinine raised\televated creatine\n")
    built = miniature("ask_a_patient", {declared["AskAPatient/AskAPatient.fold-0.test.txt"]: test_copy})
    assert built.counts() == {("AskAPatient-NED", "test"): 1}
    assert only_row(built, "AskAPatient-NED", "test") == (
        "elevated creatine", "[elevated creatine <SNOMED-CT|AMT/166717003>]")
