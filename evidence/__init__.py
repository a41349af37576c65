"""Shared logic for the fasoracetam evidence review: data loading and validation, statistics,
chart theme and chart builders, glue helpers. Chapters import from here; tests check it."""
