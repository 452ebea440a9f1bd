"""Reception module: social assessment, rights-and-duties session, positioning test, procedure
tasks, reception agreement, certificate of attendance and third-party notifications."""


def register(app) -> None:
    """Wire the package into ``app``: its blueprints."""
    from integration_centre.reception import views

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
