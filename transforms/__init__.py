"""Pure functions over Polars frames: parsers (one per source format), renderers (one per category), splits."""
