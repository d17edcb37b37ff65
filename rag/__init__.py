"""Extractive question answering over Chinese articles with verified verbatim quotes."""

__version__ = "0.1.0"
