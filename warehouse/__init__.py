"""Storage: the raw cache, per-source stage outputs, immutable builds, and the DuckDB catalog over them."""
