"""Reverse traceability (DESIGN §2 "Suspects"): events made with a standard later found out of tolerance,
failed or overdue are flagged suspect, down the chain, until the lab records its impact assessment."""
