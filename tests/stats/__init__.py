"""Tests of the statistics package."""
