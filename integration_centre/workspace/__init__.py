"""The agent's workspace: the office dashboard, search, the case page, deadlines, evaluation
interviews and the non-compliance procedure."""


def register(app) -> None:
    """Wire the package into ``app``: the extension's reason column, the schedule's session hooks,
    the non-compliance legal hold, the navigation and the blueprint (routes in ``views``,
    ``home_views``, ``case_views`` and ``casework_views``)."""
    from integration_centre.workspace import (
        case_views,
        casework_views,
        home_views,
        models,
        schedule_sync,
        subject_data,
        views,
    )

    models.register()
    schedule_sync.register()
    subject_data.register()
    views.register_navigation()
    casework_views.register_navigation()
    for blueprint in {*views.BLUEPRINTS, *home_views.BLUEPRINTS, *case_views.BLUEPRINTS}:
        app.register_blueprint(blueprint)
