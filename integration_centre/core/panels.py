"""Panels that domain packages add to shared pages (the case page, the person page, dashboards).

A package registers a panel once, at import of its views::

    panels.register("case", "referrals", "operators/_case_panel.html", context=referral_panel, order=40)

``context(**page)`` receives what the page passes (for the case page: ``case``, ``definition``,
``newcomer``) and returns the template's variables, or ``None`` to hide the panel. The page renders
``{{ render_panels("case", case=case, definition=definition, newcomer=newcomer) }}``. A panel's
context function decides who sees it (role and office checks go through ``accounts.permissions``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, render_template
from markupsafe import Markup


@dataclass(frozen=True)
class Panel:
    """One panel of one slot."""

    slot: str
    name: str
    template: str
    context: Callable[..., dict | None]
    order: int = 100


_PANELS: dict[tuple[str, str], Panel] = {}


def register(slot: str, name: str, template: str, *, context: Callable[..., dict | None], order: int = 100) -> None:
    """Add (or replace) the panel ``name`` on the pages of ``slot``."""
    _PANELS[(slot, name)] = Panel(slot, name, template, context, order)


def panels_of(slot: str) -> list[Panel]:
    """The panels registered for ``slot``, in order."""
    return sorted((p for p in _PANELS.values() if p.slot == slot), key=lambda p: (p.order, p.name))


def render_panels(slot: str, **page) -> Markup:
    """Render every visible panel of ``slot`` with the page's variables."""
    parts = []
    for panel in panels_of(slot):
        variables = panel.context(**page)
        if variables is None:
            continue
        parts.append(render_template(panel.template, **page, **variables))
    # Each part is the output of an autoescaped template: joining them adds nothing untrusted.
    return Markup("\n".join(parts))  # noqa: S704  # nosec B704


def init_app(app: Flask) -> None:
    """Expose ``render_panels`` to templates."""
    app.jinja_env.globals["render_panels"] = render_panels
