"""Partner operators: the directory, referrals of case steps, the operator portal, notifications."""


def register(app) -> None:
    """Wire the package into ``app``: its blueprints."""
    from integration_centre.operators import views

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
