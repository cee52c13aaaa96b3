"""Shared helpers for the test suite (generated PDFs, free ports, servers)."""
