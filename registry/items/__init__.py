"""Instruments, measurement standards and reference materials: everything that falls due."""
