# One command to check everything: formatting, lint and the whole test suite.
.PHONY: check test lint bench

check: lint test

lint:
	ruff check .
	lint-imports --no-cache

test:
	python -m pytest

bench:
	python -m bench.run
