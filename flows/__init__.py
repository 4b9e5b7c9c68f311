"""Prefect flows and the `medinst` command line."""
