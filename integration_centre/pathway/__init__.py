"""pathway package."""


def register(app) -> None:
    """Wire the package into ``app``: its reason columns, event delivery, privacy providers, blueprints."""
    from integration_centre.pathway import events, merge_views, models, profile_views, subject_data, views

    profile_views.register()
    models.register_reason_columns()
    events.install()
    subject_data.register()
    for blueprint in dict.fromkeys((*views.BLUEPRINTS, *merge_views.BLUEPRINTS)):
        app.register_blueprint(blueprint)
    from integration_centre.pathway.definitions import rules_label

    app.jinja_env.globals["rules_label"] = rules_label  # a rule-version key as its human name
