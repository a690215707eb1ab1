"""Pieces every domain package shares: the service error type, model mixins, the transaction point."""
