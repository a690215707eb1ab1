"""Verification, calibration and test events, and the validity they give an item."""
