"""Synthetic demo data (never real people), loaded by quickstart; each package adds its part."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Flask

from integration_centre.accounts.models import Role, User
from integration_centre.config import ConfigurationError

PRODUCTION = "production"


@dataclass
class DemoReport:
    """What the demo loader did and the logins to print."""

    password: str
    created: dict[str, int] = field(default_factory=dict)
    users: list[User] = field(default_factory=list)
    admin_totp_uri: str | None = None
    admin_totp_secret: str | None = None
    space_link_path: str | None = None  # the demo person's personal link (``space.demo``)
    space_birth_date: date | None = None

    def count(self, what: str, n: int = 1) -> None:
        """Add ``n`` to the number of ``what`` created."""
        self.created[what] = self.created.get(what, 0) + n

    def summary(self) -> str:
        """One line per kind of object created (nothing when all existed already)."""
        if not any(self.created.values()):
            return "Demo data already present: nothing added."
        return "\n".join(f"  + {n} {what}" for what, n in sorted(self.created.items()) if n)

    def logins(self) -> str:
        """The demo logins, the password and the admin's TOTP set-up."""
        lines = ["Demo logins (password for all: " + self.password + "):"]
        for user in self.users:
            lines.append(f"  {user.role.value:<10} {user.email}")
        if self.admin_totp_secret:
            lines.append("Admin second factor (TOTP): add this key to an authenticator app:")
            lines.append(f"  key: {self.admin_totp_secret}")
            lines.append(f"  uri: {self.admin_totp_uri}")
        return "\n".join(lines)

    def space_demo(self, base_url: str) -> str:
        """The demo person's personal link and the date of birth that opens it (or nothing)."""
        if not self.space_link_path or self.space_birth_date is None:
            return ""
        return "\n".join(
            [
                "Person's own space (demo): open the personal link, then give the date of birth:",
                f"  link:          {base_url.rstrip('/')}{self.space_link_path}",
                f"  date of birth: {self.space_birth_date.strftime('%d/%m/%Y')}",
            ]
        )


def refuse_in_production(env_name: str | None, what: str = "the demo data") -> None:
    """Raise ``ConfigurationError`` when ``env_name`` is production: demo logins and fictitious
    persons never go into a production database."""
    if env_name == PRODUCTION:
        raise ConfigurationError(
            f"refusing to load {what} with INTEGRATION_CENTRE_ENV=production: the demo's shared-password "
            "logins and fictitious persons never go into a production database"
        )


def _demo_modules() -> list:
    """The packages' demo loaders, in dependency order."""
    from integration_centre.accounts import demo as accounts_demo
    from integration_centre.agenda import demo as agenda_demo
    from integration_centre.api import demo as api_demo
    from integration_centre.intake import demo as intake_demo
    from integration_centre.operators import demo as operators_demo
    from integration_centre.pathway import demo as pathway_demo
    from integration_centre.reception import demo as reception_demo
    from integration_centre.rights import demo as rights_demo
    from integration_centre.space import demo as space_demo
    from integration_centre.stats import demo as stats_demo
    from integration_centre.workspace import announced_demo, casework_demo
    from integration_centre.workspace import demo as workspace_demo

    return [
        accounts_demo,
        rights_demo,
        pathway_demo,
        operators_demo,
        reception_demo,
        workspace_demo,
        casework_demo,
        agenda_demo,
        announced_demo,
        intake_demo,
        stats_demo,
        api_demo,
        space_demo,
    ]


def load_demo(app: Flask, password: str) -> DemoReport:
    """Run every package's ``demo.load(report)`` in dependency order, one transaction each.

    Refused (``ConfigurationError``) when the app runs in production.
    """
    from integration_centre.extensions import db

    refuse_in_production(app.config.get("ENV_NAME"))

    report = DemoReport(password=password)
    with app.app_context():
        try:
            for module in _demo_modules():
                module.load(report)
                # One transaction per package: the pathway's events reach their listeners (the
                # statistics facts) at commit, before the statistics demo reads the facts.
                db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        from integration_centre.accounts.demo import demo_users

        report.users = demo_users()
        admin = next((u for u in report.users if u.role == Role.ADMIN), None)
        if admin is not None and admin.totp_secret:
            from integration_centre.accounts.totp import provisioning_uri

            report.admin_totp_secret = admin.totp_secret
            report.admin_totp_uri = provisioning_uri(admin, admin.totp_secret)
    return report
