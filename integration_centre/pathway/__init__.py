"""pathway package."""


def register(app) -> None:
    """Wire the package into ``app``: its blueprints."""
    from integration_centre.pathway import views

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
