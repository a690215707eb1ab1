"""Append-only audit trail written for every change of an audited row."""
