"""Importing instruments from a spreadsheet (XLSX or CSV): a layer above items."""
