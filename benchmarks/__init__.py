"""Load and speed measurements that print figures (never timed assertions in tests).

As a Django app (only installed with ``LANTERN_BENCHMARK_ENDPOINTS=1``) it provides a bare DRF create
endpoint on a model comparable to ``alerts.Report``, the baseline ``benchmarks/intake.py`` compares the
real report intake against.
"""
