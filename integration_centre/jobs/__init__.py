"""jobs package: a database-backed queue of background work (imports, for now).

Low in the layers (it knows only the database): a package that needs work done later enqueues
a job with ``queue.enqueue``; the worker (``integration_centre.worker``, at the commands layer)
claims jobs and dispatches them by ``kind`` to the package that owns them. A job's payload is
plain ids and codes — never personal data.
"""


def register(app) -> None:
    """Wire the package into ``app``: its table (the worker command is registered with the commands)."""
    from integration_centre.jobs import models  # noqa: F401 - the jobs table
