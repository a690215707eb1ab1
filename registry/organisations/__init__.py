"""Enterprises, service providers and the Department."""
