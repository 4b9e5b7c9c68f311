# Measured once, not asserted (Polars 2.1.0, POLARS_MAX_THREADS=2 under `taskset -c 0,1`): decontaminate()
# with 150,000 training rows of 200-400 tokens (45.1M tokens; 500 planted exact copies of test inputs,
# 1,000 with a test input appended) and 15,000 test rows of 20-400 tokens (3.2M tokens), words drawn
# Zipf-like from a 50,000-word vocabulary, took 12.8-13.4 s and peaked at 1.72 GB RSS (0.66 GB of it the
# input frames); it removed exactly the 1,500 planted rows. Natural text shares more 13-grams than
# random words, so expect somewhat more join work on real data.
import polars as pl

from transforms.dedup import decontaminate, drop_exact_duplicates, normalise

DEDUP_REPORT = {"task": pl.Utf8, "split": pl.Utf8, "duplicates_removed": pl.Int64}
DECON_REPORT = {"train_task": pl.Utf8, "test_task": pl.Utf8, "reason": pl.Utf8, "rows_removed": pl.Int64}

# A 20-token test sentence: 8 distinct 13-grams.
SENT = (
    "aspirin irreversibly inhibits platelet cyclooxygenase which blocks thromboxane synthesis and lowers "
    "the risk of arterial thrombosis in adults with diabetes"
).split()
assert len(SENT) == 20
FILLER = "background we reviewed the records of all patients seen at the clinic during the study period".split()


def rows(*samples):
    """Instruction rows from (uid, task, split, instruction, input, output) tuples."""
    cols = ["uid", "task", "split", "instruction", "input", "output"]
    return pl.DataFrame([dict(zip(cols, s)) for s in samples], schema={c: pl.Utf8 for c in cols})


def inputs(*samples):
    """Rows with only what decontaminate needs, from (uid, task, input) tuples."""
    return pl.DataFrame([dict(zip(["uid", "task", "input"], s)) for s in samples])


def text(*parts):
    return " ".join(" ".join(p) if isinstance(p, list) else p for p in parts)


def test_normalise_folds_case_width_and_whitespace():
    raw = pl.DataFrame({"t": ["  ＢＲＣＡ１\u00a0is\tMutated\n\n in  Ⅻ cases "]})
    assert raw.select(normalise(pl.col("t")))["t"].to_list() == ["brca1 is mutated in xii cases"]


def test_duplicates_differing_in_case_and_whitespace_are_dropped_keeping_lowest_uid():
    df = rows(
        ("u3", "A", "train", "Find genes.", "BRCA1 is mutated.", "BRCA1"),
        ("u1", "A", "train", "find  genes.", " brca1 is\tmutated.\n", "brca1"),
        ("u2", "B", "train", "FIND GENES.", "BRCA1 is  mutated.", "BRCA1"),
        ("u5", "A", "train", "Find genes.", "BRCA1 is mutated.", "TP53"),
    )
    kept, report = drop_exact_duplicates(df)
    # u1 sorts first, so it survives although u3 came first; kept rows stay in their original order.
    assert kept["uid"].to_list() == ["u1", "u5"]
    assert kept.columns == df.columns
    assert report.schema == DEDUP_REPORT
    assert report.rows() == [("A", "train", 1), ("B", "train", 1)]


def test_same_sample_in_different_splits_is_not_a_duplicate():
    sample = ("A", "Find genes.", "BRCA1 is mutated.", "BRCA1")
    df = rows(*((f"u{i}", sample[0], split, *sample[1:]) for i, split in enumerate(["train", "dev", "test"])))
    kept, report = drop_exact_duplicates(df)
    assert kept["uid"].to_list() == ["u0", "u1", "u2"]
    assert report.schema == DEDUP_REPORT
    assert report.height == 0


def test_kept_rows_do_not_depend_on_input_order():
    df = rows(*((f"u{i}", "A", "train", "Find genes.", "x" if i % 2 else "y", "o") for i in range(6)))
    kept, _ = drop_exact_duplicates(df)
    kept_rev, _ = drop_exact_duplicates(df.reverse())
    assert kept["uid"].to_list() == ["u0", "u1"]
    assert kept_rev["uid"].to_list() == ["u1", "u0"]


def test_planted_copy_of_test_input_is_removed_as_exact():
    test = inputs(("q1", "MedQA", text(SENT)))
    train = inputs(
        ("t1", "PubMedQA", "  " + text(SENT).upper().replace(" ", "  \n") + " "),
        ("t2", "PubMedQA", text(FILLER)),
    )
    clean, report = decontaminate(train, test)
    assert clean["uid"].to_list() == ["t2"]
    # The copy also shares every 13-gram; exact wins.
    assert report.rows() == [("PubMedQA", "MedQA", "exact", 1)]


def test_document_holding_a_test_sentence_verbatim_is_removed_as_13_gram():
    test = inputs(("q1", "NCBI-disease", text(SENT)))
    train = inputs(("t1", "BC5CDR", text(FILLER, SENT, FILLER)), ("t2", "BC5CDR", text(FILLER)))
    clean, report = decontaminate(train, test)
    assert clean["uid"].to_list() == ["t2"]
    assert report.schema == DECON_REPORT
    assert report.rows() == [("BC5CDR", "NCBI-disease", "13-gram", 1)]


def test_sharing_12_tokens_is_not_contamination():
    test = inputs(("q1", "T", text(SENT)))
    train = inputs(("t1", "R", text(FILLER, SENT[:12], FILLER)), ("t2", "R", text(SENT[8:], FILLER)))
    clean, report = decontaminate(train, test)
    assert clean["uid"].to_list() == ["t1", "t2"]
    assert report.height == 0


def test_threshold_is_a_fraction_of_the_test_inputs_distinct_ngrams():
    # 16 shared tokens hold 4 of the test input's 8 13-grams (0.5), 15 hold 3 (0.375).
    test = inputs(("q1", "T", text(SENT)))
    train = inputs(("t16", "R", text(FILLER, SENT[:16])), ("t15", "R", text(SENT[5:], FILLER)))
    clean, report = decontaminate(train, test)
    assert clean["uid"].to_list() == ["t15"]
    assert report.rows() == [("R", "T", "13-gram", 1)]
    clean, report = decontaminate(train, test, threshold=0.6)
    assert clean["uid"].to_list() == ["t16", "t15"]
    assert report.height == 0


def test_short_test_input_only_matches_exactly():
    test = inputs(("q1", "T", "Aspirin reduces fever"))
    train = inputs(
        ("t1", "R", "aspirin reduces fever in children"),
        ("t2", "R", "ASPIRIN  reduces\tfever"),
        ("t3", "R", text(FILLER, "aspirin reduces fever")),
    )
    clean, report = decontaminate(train, test)
    assert clean["uid"].to_list() == ["t1", "t3"]
    assert report.rows() == [("R", "T", "exact", 1)]


def test_report_counts_each_training_row_once_per_train_task_test_task_and_reason():
    test = inputs(
        ("q1", "T1", text(SENT)),
        ("q2", "T1", text(SENT[:18], "extra")),  # a second T1 row hitting the same training rows
        ("q3", "T2", text(SENT)),
        ("q4", "T2", "short question"),
    )
    train = inputs(
        ("a1", "A", text(FILLER, SENT)),  # 13-gram for T1 (twice) and T2: removed once, counted once each
        ("a2", "A", text(SENT)),  # exact for T1 and T2, 13-gram too: counted as exact only
        ("a3", "A", text(FILLER)),
        ("b1", "B", "Short  question"),  # exact for T2
        ("b2", "B", text(SENT[:10], FILLER)),
    )
    clean, report = decontaminate(train, test)
    assert clean["uid"].to_list() == ["a3", "b2"]
    assert report.schema == DECON_REPORT
    assert report.rows() == [
        ("A", "T1", "13-gram", 1),
        ("A", "T1", "exact", 1),
        ("A", "T2", "13-gram", 1),
        ("A", "T2", "exact", 1),
        ("B", "T2", "exact", 1),
    ]


def test_reason_names_n_and_empty_inputs_give_typed_empty_results():
    test = inputs(("q1", "T", "a b c d e f"))
    train = inputs(("t1", "R", "x a b c d e f y"))
    assert decontaminate(train, test, n=5)[1].rows() == [("R", "T", "5-gram", 1)]
    clean, report = decontaminate(train.clear(), test)
    assert clean.height == 0 and report.schema == DECON_REPORT
    clean, report = decontaminate(train, test.clear())
    assert clean["uid"].to_list() == ["t1"] and report.schema == DECON_REPORT
