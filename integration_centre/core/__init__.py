"""What every page shares: the request pattern, error pages, security headers and the access
gate, navigation, panels, PDF and CSV writers."""


def register(app) -> None:
    """Wire the package into ``app``: the home blueprint, security hooks, error pages, navigation,
    panels and the ``person_name`` filter."""
    from integration_centre.core import errors, names, navigation, panels, security, uploads, views

    app.register_blueprint(views.bp)
    security.init_app(app)
    uploads.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    panels.init_app(app)
    names.init_app(app)
    from integration_centre.core import outbox

    outbox.register_subject_data()
