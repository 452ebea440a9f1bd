"""Reception module: social assessment, rights-and-duties session, positioning test, procedure
tasks, reception agreement, certificate of attendance and third-party notifications."""


def register(app) -> None:
    """Wire the package into ``app``: its blueprints, navigation, case panels and its part of the
    data-subject rights (certificate retention, legal hold, access export)."""
    from integration_centre.reception import case_panels, subject_data, views

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    views.register_navigation()
    case_panels.register()
    subject_data.register()
