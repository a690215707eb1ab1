"""Certificates anyone can check: the public verification page, lookups, QR codes and labels."""
