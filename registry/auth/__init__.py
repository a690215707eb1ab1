"""Users, roles, sessions, API tokens and the permission helpers."""
