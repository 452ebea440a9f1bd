"""The REST API ``/api/v1``: token authentication, problem+json errors, idempotent POSTs.

Tokens belong to a user account (an operator user of an organisation or an agent of an office)
and act as that user: every service call gets ``actor: User`` and the audit works unchanged.
Endpoints are thin: operator endpoints call ``operators.services``, office endpoints call
``pathway``. The only gate is ``api.auth.api_endpoint`` (scope and role of the token's user);
``accounts.permissions.enforce_access`` lets a request through once a valid token is loaded.
"""


def register(app) -> None:
    """Wire the package into ``app``: its blueprints."""
    from integration_centre.api import views

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
