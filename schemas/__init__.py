"""Contracts: the family tables, the instruction row and the registry's own schema. Imports nothing of ours."""
