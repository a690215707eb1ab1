"""Rows of the permission matrix, one module per domain: see tests/test_permissions.py."""
