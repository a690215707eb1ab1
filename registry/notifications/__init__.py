"""Reminders: the notification ledger, in-app notifications, per-organisation settings, the e-mail outbox."""
