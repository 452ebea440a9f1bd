"""The agent's workspace: the office dashboard, search, the case page, deadlines, evaluation
interviews and the non-compliance procedure."""


def register(app) -> None:
    """Wire the package into ``app``: its blueprints."""
    from integration_centre.workspace import views

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
