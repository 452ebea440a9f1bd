"""The statistics service interface: build, publish and read releases (see ``releases`` and ``queries``)."""

from integration_centre.stats.errors import PublishError
from integration_centre.stats.queries import (
    REGION,
    TOTAL,
    Period,
    Scope,
    available_scopes,
    count_cells,
    parse_period,
    parse_scope,
)
from integration_centre.stats.releases import (
    PublishResult,
    RebuildResult,
    build_content,
    due_periods,
    live_release,
    publish,
    published_keys,
    rebuild,
    release_document,
    releases,
)

__all__ = [
    "REGION",
    "TOTAL",
    "Period",
    "PublishError",
    "PublishResult",
    "RebuildResult",
    "Scope",
    "available_scopes",
    "build_content",
    "count_cells",
    "due_periods",
    "live_release",
    "parse_period",
    "parse_scope",
    "publish",
    "published_keys",
    "rebuild",
    "release_document",
    "releases",
]
