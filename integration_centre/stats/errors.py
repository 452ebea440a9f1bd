"""The statistics package's refusal: a release that could not be published."""

from integration_centre.errors import DomainError


class PublishError(DomainError):
    """Nothing was published: protection or the check failed (the previous release stays live)."""
