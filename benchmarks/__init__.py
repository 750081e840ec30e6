"""Benchmarks: accuracy and speed, measured (results in docs/benchmarks.md)."""
