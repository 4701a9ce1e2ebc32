"""Pytest configuration; the shared helpers live in tests/support.py."""
