"""Workforce wellbeing dashboard for social work organisations: the logic, no UI."""

__version__ = "0.1.0"
