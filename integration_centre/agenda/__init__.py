"""The office agenda: appointments (reception, social assessment, evaluation interview), group
sessions on rights and duties with a capacity, attendance and no-shows, the agent's private
iCalendar feed. Rules in ``services`` (the facade), models in ``models``, pages in ``views``."""


def register(app) -> None:
    """Wire the package into ``app``: the merge handler, the navigation and the blueprint."""
    from integration_centre.agenda import presentation, subject_data, views

    subject_data.register()
    presentation.register()
    views.register_navigation()
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
