import io
import tarfile

import pytest

from schemas.errors import SourceError
from schemas.families import MODELS
from transforms.parsers import token_labels
from transforms.parsers._common import InputFile

# EBM-NLP 2.00's layout: tokens one a line, one label number a token per facet and split folder.
ROOT = "ebm_nlp_2_00"
HL = f"{ROOT}/annotations/aggregated/hierarchical_labels"
TOKENS_1 = "120\nchildren\nwith\nasthma\nreceived\ninhaled\nbudesonide\nor\nplacebo\n.\n"
TOKENS_2 = "Pain\nscores\nfell\n.\n"
RELEASE = {
    f"{ROOT}/documents/1001.tokens": TOKENS_1,
    f"{ROOT}/documents/1001.text": "120 children with asthma received inhaled budesonide or placebo.",
    f"{ROOT}/documents/2002.tokens": TOKENS_2,
    f"{ROOT}/documents/3003.tokens": "Nothing\nlabelled\n",
    f"{HL}/participants/train/1001.AGGREGATED.ann": "3\n4\n4\n4\n0\n0\n0\n0\n0\n0\n",
    f"{HL}/interventions/train/1001.AGGREGATED.ann": "0\n00\n0\n0\n0\n3\n3\n0\n7\n0\n",
    f"{HL}/outcomes/train/3003.AGGREGATED.ann": "0\n0\n",
    f"{HL}/outcomes/test/gold/2002.AGGREGATED.ann": "2\n2\n0\n0\n",
    f"{HL}/outcomes/test/crowd/2002.AGGREGATED.ann": "6\n6\n0\n0\n",
    f"{ROOT}/annotations/aggregated/starting_spans/outcomes/train/1001.AGGREGATED.ann": "1\n1\n",
}
OPTIONS = {
    "documents": f"{ROOT}/documents",
    "labels": HL,
    "splits": {"train": "train", "test": "test/gold"},
    "types": {"participants": {"3": "Participant_Sample-size", "4": "Participant_Condition"},
              "interventions": {"3": "Intervention_Pharmacological", "7": "Intervention_Control"},
              "outcomes": {"2": "Outcome_Pain", "6": "Outcome_Other"}},
}
FUZZ_SAMPLE = ("ebm_pico", OPTIONS, [("ebm_nlp_2_00", None, {k: v.encode() for k, v in RELEASE.items()})])


def tarball(tmp_path, files=RELEASE, name="ebm_nlp_2_00.tar.gz") -> InputFile:
    path = tmp_path / name
    with tarfile.open(path, "w:gz") as tar:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return InputFile(path, name, None)


def parse(file, options=OPTIONS):
    return token_labels.parse([file], options, "src")


def entities(df, row):
    return [(e["text"], e["offsets"], e["type"]) for e in df["entities"][row]]


def test_each_labelled_document_of_each_split_is_a_record(tmp_path):
    df = parse(tarball(tmp_path))
    assert df.select("id", "document_id", "split", "source_file", "source_line").rows() == [
        ("ebm_nlp_2_00.tar.gz:train/1001", "1001", "train", "ebm_nlp_2_00.tar.gz/ebm_nlp_2_00/documents/1001.tokens",
         None),
        ("ebm_nlp_2_00.tar.gz:train/3003", "3003", "train", "ebm_nlp_2_00.tar.gz/ebm_nlp_2_00/documents/3003.tokens",
         None),
        ("ebm_nlp_2_00.tar.gz:test/2002", "2002", "test", "ebm_nlp_2_00.tar.gz/ebm_nlp_2_00/documents/2002.tokens",
         None),
    ]
    assert df["passages"][0][0]["text"] == ["120 children with asthma received inhaled budesonide or placebo ."]
    MODELS["kb"].validate(df)


def test_runs_of_one_label_are_mentions_of_every_facet_in_text_order(tmp_path):
    df = parse(tarball(tmp_path))
    assert entities(df, 0) == [
        (["120"], [[0, 3]], "Participant_Sample-size"),
        (["children with asthma"], [[4, 24]], "Participant_Condition"),
        (["inhaled budesonide"], [[34, 52]], "Intervention_Pharmacological"),
        (["placebo"], [[56, 63]], "Intervention_Control"),
    ]
    assert entities(df, 1) == []
    assert entities(df, 2) == [(["Pain scores"], [[0, 11]], "Outcome_Pain")]  # test/gold, not test/crowd


def test_a_folder_and_space_separated_tokens_read_the_same(tmp_path):
    root = tmp_path / "release"
    for member, text in RELEASE.items():
        (root / member).parent.mkdir(parents=True, exist_ok=True)
        (root / member).write_text(text.replace("\n", " ") if member.endswith("2002.tokens") else text)
    df = parse(InputFile(root, "release", None))
    assert entities(df, 2) == [(["Pain scores"], [[0, 11]], "Outcome_Pain")]


def test_more_labels_than_tokens_names_the_file_and_line(tmp_path):
    files = dict(RELEASE)
    files[f"{HL}/outcomes/test/gold/2002.AGGREGATED.ann"] = "2\n2\n0\n0\n0\n"
    with pytest.raises(SourceError, match="5 labels for 4 tokens") as err:
        parse(tarball(tmp_path, files))
    assert err.value.file == f"ebm_nlp_2_00.tar.gz/{HL}/outcomes/test/gold/2002.AGGREGATED.ann"
    assert err.value.line == 5


def test_an_unknown_label_names_the_file_and_line(tmp_path):
    files = dict(RELEASE)
    files[f"{HL}/participants/train/1001.AGGREGATED.ann"] = "3\n9\n"
    with pytest.raises(SourceError, match="label '9'") as err:
        parse(tarball(tmp_path, files))
    assert (err.value.file, err.value.line) == (f"ebm_nlp_2_00.tar.gz/{HL}/participants/train/1001.AGGREGATED.ann", 2)


def test_a_label_file_without_its_tokens_names_the_label_file(tmp_path):
    files = {k: v for k, v in RELEASE.items() if not k.endswith("2002.tokens")}
    with pytest.raises(SourceError, match="no ebm_nlp_2_00/documents/2002.tokens") as err:
        parse(tarball(tmp_path, files))
    assert err.value.file == f"ebm_nlp_2_00.tar.gz/{HL}/outcomes/test/gold/2002.AGGREGATED.ann"
