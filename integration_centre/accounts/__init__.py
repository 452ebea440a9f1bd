"""Users, roles, organisations, login, sessions, TOTP and the access rules."""
