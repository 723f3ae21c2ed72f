"""Benchmarks: measured numbers written to bench/results/, never timed tests."""
