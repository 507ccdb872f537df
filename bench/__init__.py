"""Benchmarks for DESIGN.md section 8: a large-organisation generator and the runner.

``python -m bench.generate --scale 100k`` writes the data; ``python -m bench.run``
writes it if missing, then prints every figure beside its target.
"""
