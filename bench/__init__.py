"""Benchmarks: `python -m bench [name ...]` runs bench/bench_*.py and writes bench/results.md."""
