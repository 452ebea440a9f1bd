"""Newcomers, cases, steps (the pathway engine fills this in)."""
