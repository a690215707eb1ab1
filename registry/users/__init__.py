"""An organisation's users on the web: invitations, roles, disabling, and password resets by e-mail."""
