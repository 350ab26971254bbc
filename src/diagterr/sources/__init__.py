"""Data sources: one module per source on a shared HTTP layer (http.py), described in registry.py.

HTTP happens only in this package.
"""
