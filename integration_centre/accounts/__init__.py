"""Users, roles, organisations, login, sessions, TOTP and the access rules."""


def register(app) -> None:
    """Wire the package into ``app``: session checks, the access gate, the login and admin
    blueprints, and their navigation links."""
    from flask_babel import lazy_gettext as _l

    from integration_centre.accounts import admin_views, permissions, sessions, views
    from integration_centre.accounts.models import Role
    from integration_centre.core.navigation import add_item

    sessions.init_app(app)
    # The gate runs after the session check; packages registered later add their request
    # loaders (the API's token) to it with ``permissions.add_request_loader``.
    app.before_request(permissions.access_gate)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    add_item("accounts_admin.users", _l("Users"), [Role.ADMIN], order=10)
    add_item("accounts.change_password", _l("My password"), list(Role), order=900)
    add_item("accounts.account_security", _l("Two-step login"), list(Role), order=910)
