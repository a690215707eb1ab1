"""Backups of the whole database and their restore: ``flask --app wsgi backup PATH`` / ``restore PATH``
(docs/backup.md). Infrastructure: it knows tables and files, no domain."""
