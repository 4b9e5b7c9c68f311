"""Exact deduplication and n-gram decontamination of instruction rows (pure Polars, no I/O).

MedINST renders each corpus as it comes, so one sample can occur twice within a split, and a test
input can reappear in training, often inside another task built from the same abstracts (NER, NED
and RE tasks share documents; BC2GM, NCBI-disease and BC5CDR ship twice, as standoff documents and
as IOB sentences). Our training mixtures and the benchmark remove both; MedINST itself does neither.

Why 13-grams: the n-gram length GPT-3 used for its contamination analysis (Brown et al. 2020,
appendix C). Thirteen whitespace tokens are longer than the stock phrases of biomedical prose
("was associated with an increased risk of" is 7), so a shared 13-gram is almost never chance, yet
short enough to find a test sentence embedded in a longer training document, which equality of
whole inputs misses.

Why a fraction of the *test* input: what matters is how much of a test item the model has seen,
and training inputs are often whole abstracts in which a test sentence is a small part (a
20-token sentence in a 300-token abstract covers 100% of the test input, 7% of the training one).
This follows PaLM (Chowdhery et al. 2022), which flags a test example when 70% of its 8-grams occur
in training. We use 0.5 because a sentence re-split by another release may sit in a training row
merged with its neighbour or cut short: if the larger half of it is there, it is contaminated,
while one shared boilerplate span in a long test input stays below. Distinct n-grams are counted,
so repeats within a test input (lists, tables) do not weigh twice. Inputs under n tokens have no
n-gram and are only matched exactly.
"""

import hashlib

import polars as pl

# Each n-gram becomes two polynomial hashes modulo 31-bit primes: every product fits in Int64, the
# key is our own arithmetic, the same under any Polars version (pl.hash is not), and two n-grams
# share a key by chance about once in 2**62 comparisons.
_P1, _P2 = 2_147_483_647, 2_147_483_629
_B1, _B2 = 1_000_003, 911_382_323
# Training rows are tokenised a batch at a time, so memory follows the batch, not the training set.
_BATCH = 16_384


def normalise(expr: pl.Expr) -> pl.Expr:
    """Lower-cased, NFKC-folded, whitespace-collapsed text, for comparisons only."""
    # NFKC before lower-casing: it can produce capitals (the Roman numeral "Ⅻ" becomes "XII"). ASCII
    # text is its own NFKC form, and skipping it makes this ~5x faster on mostly-ASCII abstracts.
    if hasattr(expr.str, "normalize"):
        expr = pl.when(expr.str.len_bytes() == expr.str.len_chars()).then(expr).otherwise(expr.str.normalize("NFKC"))
    # Same result as r"\s+" -> " ", but single spaces, most of the matches, are left alone: ~3x faster.
    return expr.str.to_lowercase().str.replace_all(r"\s{2,}|[^\S ]", " ").str.strip_chars()


def drop_exact_duplicates(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows without exact duplicates within a split, and how many rows each (task, split) lost."""
    key = pl.struct(pl.col("split"), *(normalise(pl.col(c)).alias(c) for c in ("instruction", "input", "output")))
    # The first row by uid wins, so which copy survives does not depend on the order rows came in.
    marked = (
        rows.with_row_index("__pos")
        .sort("uid", maintain_order=True)
        .with_columns(__keep=key.is_first_distinct())
        .sort("__pos")
    )
    report = (
        marked.filter(~pl.col("__keep"))
        .group_by("task", "split")
        .agg(duplicates_removed=pl.len().cast(pl.Int64))
        .sort("task", "split")
    )
    return marked.filter(pl.col("__keep")).drop("__pos", "__keep"), report


def _token_codes(tokens: pl.Series) -> pl.DataFrame:
    """Two stable codes per distinct token, one below each prime, from blake2b."""
    rows = []
    for token in tokens.unique().sort().to_list():
        digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
        rows.append((token, int.from_bytes(digest[:4], "big") % _P1, int.from_bytes(digest[4:], "big") % _P2))
    return pl.DataFrame(rows, schema={"tok": pl.Utf8, "c1": pl.Int64, "c2": pl.Int64}, orient="row")


def _tokens(frame: pl.DataFrame, row: str, n: int) -> pl.DataFrame:
    """One row per token of each input with at least n tokens, in order, with its position."""
    return (
        frame.select(row, tok=pl.col("norm").str.split(" "))
        .filter(pl.col("tok").list.len() >= n)
        .with_columns(pos=pl.int_ranges(pl.col("tok").list.len(), dtype=pl.Int32), last=pl.col("tok").list.len() - n)
        .explode("tok", "pos")
    )


def _ngrams(tokens: pl.DataFrame, codes: pl.DataFrame, row: str, n: int, keep: pl.Series | None = None) -> pl.DataFrame:
    """Distinct (row, n-gram key) pairs, keys in `keep` only if given, for n-grams of tokens in `codes`."""
    coded = tokens.join(codes, on="tok", how="left", maintain_order="left").drop("tok")
    h1 = h2 = pl.lit(0, pl.Int64)
    for k in range(n):
        # An input's tokens are consecutive rows, so shifting by k reaches into the next input only
        # for n-grams that start past `last`, which are dropped below.
        h1 = (h1 * _B1 + pl.col("c1").shift(-k)) % _P1
        h2 = (h2 * _B2 + pl.col("c2").shift(-k)) % _P2
    return (
        coded.select(row, key=h1 * (1 << 31) + h2, ok=pl.col("pos") <= pl.col("last"))
        # Dropping keys absent from the test set first leaves unique() a few rows instead of millions.
        .filter(pl.col("ok") & (pl.col("key").is_not_null() if keep is None else pl.col("key").is_in(keep)))
        .select(row, "key")
        .unique()
    )


def decontaminate(
    train: pl.DataFrame, test: pl.DataFrame, n: int = 13, threshold: float = 0.5
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Training rows that hold no test input, and how many each (train task, test task, reason) lost."""
    gram = f"{n}-gram"
    tr = train.select(train_task="task", norm=normalise(pl.col("input"))).with_row_index("tr")
    te = test.select(test_task="task", norm=normalise(pl.col("input"))).with_row_index("te")
    exact = tr.join(te.unique(["test_task", "norm"]).drop("te"), on="norm").select(
        "tr", "train_task", "test_task", reason=pl.lit("exact")
    )

    te_tokens = _tokens(te, "te", n)
    # Only test tokens get codes: a training n-gram with any other token cannot match a test one.
    codes = _token_codes(te_tokens["tok"])
    te_grams = _ngrams(te_tokens, codes, "te", n)
    te_sizes = te_grams.group_by("te").agg(size=pl.len())
    te_keys = te_grams["key"].unique().implode()
    # At least one batch, so an empty training set still yields a typed (empty) frame.
    batches = (tr.slice(start, _BATCH) for start in range(0, max(tr.height, 1), _BATCH))
    hits = pl.concat(
        _ngrams(_tokens(batch, "tr", n), codes, "tr", n, te_keys)
        .join(te_grams, on="key")
        .group_by("tr", "te")
        .agg(shared=pl.len())
        for batch in batches
    )
    overlap = (
        hits.join(te_sizes, on="te")
        .filter(pl.col("shared") >= threshold * pl.col("size"))
        .join(tr.select("tr", "train_task"), on="tr")
        .join(te.select("te", "test_task"), on="te")
        .select("tr", "train_task", "test_task", reason=pl.lit(gram))
    )

    # One reason per (training row, test task), exact first; a row still goes only once.
    pairs = pl.concat([exact, overlap]).unique(["tr", "test_task"], keep="first", maintain_order=True)
    report = (
        pairs.group_by("train_task", "test_task", "reason")
        .agg(rows_removed=pl.len().cast(pl.Int64))
        .sort("train_task", "test_task", "reason")
    )
    clean = train.filter(~pl.int_range(pl.len(), dtype=pl.UInt32).is_in(pairs["tr"].unique().implode()))
    return clean, report
