"""Data shipped with armstrace: reference tables, mappings, alias tables."""
