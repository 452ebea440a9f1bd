"""User-facing names of the audit trail's action codes (the audit-log page and the access export)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

AUDIT_ACTION_LABELS = {
    "view": _l("Viewed"),
    "create": _l("Created"),
    "update": _l("Updated"),
    "search": _l("Searched"),
    "export": _l("Exported"),
    "import": _l("Imported"),
    "import_dry_run": _l("Import checked (dry run)"),
    "erase": _l("Erased"),
    "restrict": _l("Restricted"),
    "lift_restriction": _l("Restriction lifted"),
    "rectify": _l("Rectified"),
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logged out"),
    "key_rotation": _l("Key rotation"),
}
