"""Users, roles, organisations, login, sessions, TOTP and the access rules."""


def register(app) -> None:
    """Wire the package into ``app``: session checks, the login and admin blueprints."""
    from integration_centre.accounts import sessions, views

    sessions.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.admin_bp)
