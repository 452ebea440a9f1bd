"""Partner operators: the directory, referrals of case steps, the operator portal, notifications."""

from flask_babel import lazy_gettext as _l


def register(app) -> None:
    """Wire the package into ``app``: blueprints, navigation, panels, the subject-data provider."""
    from integration_centre.accounts.models import Role
    from integration_centre.core.navigation import add_item
    from integration_centre.operators import admin_views, network_views, panels, subject_data, views

    for blueprint in (views.bp, admin_views.bp, network_views.bp):
        app.register_blueprint(blueprint)
    add_item("operators.home", _l("Home"), [Role.OPERATOR], order=0)
    add_item("operators.inbox", _l("Referrals"), [Role.OPERATOR], order=10)
    add_item("operators.directory", _l("Who does what where"), [Role.AGENT, Role.OPERATOR], order=40)
    add_item("network.centres", _l("Centres"), [Role.ADMIN], order=20)
    add_item("operators_admin.organisations", _l("Operator directory"), [Role.ADMIN], order=40)
    panels.register()
    subject_data.register()
    from integration_centre.operators import outbox
    from integration_centre.pathway import messages

    messages.register_mailer(outbox.queue)
