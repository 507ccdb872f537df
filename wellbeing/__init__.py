"""Workforce wellbeing dashboard for social work organisations.

One package per layer, importing only downwards (CONTRIBUTING.md, checked by
the import-linter contracts in pyproject.toml): ``ui`` and ``cli`` on top;
``present``, ``ingest`` and ``access``; then the query layer (the top-level
``queries`` package); ``privacy`` and ``store``; ``core`` at the bottom.
"""

__version__ = "0.1.0"
