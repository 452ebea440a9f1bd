"""The newcomer's own space: their pathway, appointments and documents, in their language.

A separate blueprint (``space``) with its own session and role (``newcomer``): a person opens the
personal link their office gave them, confirms their date of birth, and sees what concerns them.
A space session reaches the space's pages only; every other route answers 404 to it.
Rules in the service modules (``links``, ``session``, …), pages in the ``views_*`` modules.
"""


def register(app) -> None:
    """Wire the package into ``app``: the session guard and the blueprint with its pages."""
    from integration_centre.space import (
        admin_views,
        languages,
        office_links,
        session,
        subject_data,
        views_entry,
        views_language,
        views_office,
        views_pages,
        views_requests,
    )
    from integration_centre.space.blueprint import make_blueprint

    session.init_app(app)
    languages.init_app(app)
    blueprint = make_blueprint()
    for module in (views_entry, views_pages, views_requests, views_language):
        module.register_routes(blueprint)
    app.register_blueprint(blueprint)
    views_office.register(app)
    admin_views.register(app)
    office_links.register(app)  # the office's side of the personal link (staff blueprint ``space_links``)
    subject_data.register()  # links, sessions and the account die with an erasure and follow a merge
