"""The permission matrix of tests/test_permissions.py: its vocabulary in base.py, one module per domain
with that domain's rows (so that work on different domains never edits the same table), and table.py
assembling them."""
