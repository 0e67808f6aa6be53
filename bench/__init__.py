"""Benchmarks: measure the product against its floor (see bench/RESULTS.md)."""
