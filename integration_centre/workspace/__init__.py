"""The agent's workspace: the office dashboard, search, the case page, deadlines, evaluation
interviews and the non-compliance procedure."""


def register(app) -> None:
    """Wire the package into ``app``: the extension's reason column, the schedule's session hooks,
    the non-compliance legal hold, the navigation and the blueprint (routes in ``views``,
    ``home_views``, ``case_views``, ``casework_views``, ``caseload_views`` and ``dispensation_views``,
    whose panels join the case page)."""
    from integration_centre.workspace import (
        announced_views,
        case_views,
        caseload_views,
        casework_views,  # noqa: F401 - routes on ``views.bp``, the needs panel
        dispensation_views,
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
    dispensation_views.register_panel()
    caseload_views.register_navigation()
    announced_views.register_navigation()
    for blueprint in {
        *views.BLUEPRINTS,
        *home_views.BLUEPRINTS,
        *case_views.BLUEPRINTS,
        *dispensation_views.BLUEPRINTS,
        *caseload_views.BLUEPRINTS,
        *announced_views.BLUEPRINTS,
    }:
        app.register_blueprint(blueprint)
