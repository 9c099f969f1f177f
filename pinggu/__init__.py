"""Pinggu 评估 — government-openness performance evaluation."""

__version__ = "0.1.0"
