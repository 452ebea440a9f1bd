"""The REST API ``/api/v1``: token authentication, problem+json errors, idempotent POSTs.

Tokens belong to a user account (an operator user of an organisation or an agent of an office)
and act as that user: every service call gets ``actor: User`` and the audit works unchanged.
Endpoints are thin: operator endpoints call ``operators.services``, office endpoints call
``pathway``. The only gate is ``api.auth.api_endpoint`` (scope and role of the token's user);
``accounts.permissions.enforce_access`` lets a request through once a valid token is loaded.
"""


def register(app) -> None:
    """Wire the package into ``app``: the token loader (run by the access gate, just before the
    access check), token revocation when a user's access changes, the blueprints and the
    admin's navigation link."""
    from flask_babel import lazy_gettext as _l
    from flask_babel import ngettext

    from integration_centre.accounts import services as account_services
    from integration_centre.accounts.models import Role
    from integration_centre.accounts.permissions import add_request_loader
    from integration_centre.api import admin_views, auth, tokens, views
    from integration_centre.core.navigation import add_item

    add_request_loader(app, auth.load_token)
    account_services.on_access_change(tokens.revoke_user_tokens)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    add_item(
        "api_admin.tokens_page",
        _l("API tokens"),
        [Role.ADMIN],
        order=60,
        group="accounts",
        description=_l("Tokens of the systems that use the API, and their revocation."),
        count=tokens.active_count,
        count_label=lambda n: ngettext("%(num)d token in force", "%(num)d tokens in force", n),
    )
