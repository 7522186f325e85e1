"""Benchmarks: a million-row contact import and webhooks under 50 volunteers.

Run them with `make bench` (`python -m benchmarks.run`); `make test` does not.
Every figure is reported beside a baseline measured in the same run, so the
ratios mean the same on a laptop and on a server.
"""
