"""Users, roles, organisations, login, sessions, TOTP and the access rules."""


def register(app) -> None:
    """Wire the package into ``app``: session checks, the access gate, the login and admin
    blueprints, and their navigation links."""
    from flask_babel import lazy_gettext as _l
    from flask_babel import ngettext

    from integration_centre.accounts import admin_home, admin_views, permissions, sessions, views
    from integration_centre.accounts.models import Role
    from integration_centre.core.navigation import ACCOUNT, add_item

    sessions.init_app(app)
    # The gate runs after the session check; packages registered later add their request
    # loaders (the API's token) to it with ``permissions.add_request_loader``.
    app.before_request(permissions.access_gate)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    admin_home.register_groups()
    add_item("accounts_admin.home", _l("Home"), [Role.ADMIN], order=0)
    add_item(
        "accounts_admin.users",
        _l("Users"),
        [Role.ADMIN],
        order=10,
        group="accounts",
        description=_l("Create accounts, change roles, reset passwords, end sessions."),
        count=admin_home.active_users,
        count_label=lambda n: ngettext("%(num)d account enabled", "%(num)d accounts enabled", n),
    )
    add_item("accounts.change_password", _l("My password"), list(Role), order=900, group=ACCOUNT)
    add_item("accounts.account_security", _l("Two-step login"), list(Role), order=910, group=ACCOUNT)
