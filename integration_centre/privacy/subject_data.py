"""Registry of subject-data providers: what each domain package holds about a person.

Privacy never imports the domain packages: each package registers one provider (in its own
``<package>/subject_data.py``, imported from its ``models.py`` or ``views.py``) with

``register(name, export=fn(person_id) -> dict, holds=fn(person_id) -> list[str], erase=fn(person_id) -> None,
labels={field code: label})``

- ``export(person_id)``: everything the package holds about the person, decrypted, as a
  JSON-serialisable dict (strings, numbers, booleans, None, lists, dicts; dates as ISO strings).
  Called inside an access context that names the person (the caller opens it); returns ``{}``
  when the package holds nothing about the person.
- ``holds(person_id)``: the legal holds that forbid erasing the person now, as translated
  sentences (empty list when none).
- ``erase(person_id)``: the package's own clean-up at erasure (documents, files...), in the
  caller's transaction; the generic ciphertext scrubbing is done by privacy itself.
- ``labels``: ``{field code: label}`` (lazy translated strings) of the codes its export uses, so
  that a readable export names them; privacy knows no field of the domain.

The package that owns the person rows also registers the person-level hooks the rights pages
need (privacy cannot import it): ``register_person_hooks(find=..., visible=..., label=...,
rectifiable=..., rectify=...)``:

- ``find(actor, niss=None, family_name=None, given_name=None, birth_date=None)`` -> list of
  ``(person_id, label)``: exact matches through blind indexes, audited;
- ``visible(user, person_id)`` -> bool: may this user act on the person's file;
- ``rectifiable()`` -> ``{field: label}``: the fields a rectification may change;
- ``label(actor, person_id, purpose)`` -> "Name, Given (born ...)" or None (audited read);
- ``rectify(actor, person_id, field, value)`` -> previous value (validated; raises ``ValueError``
  with a translated message). Called inside an access context naming the person.

Every callback is optional. Registering the same name again replaces the provider (module
reloads in tests). Providers are iterated in registration order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

ExportFn = Callable[[uuid.UUID], dict[str, Any]]
HoldsFn = Callable[[uuid.UUID], list[str]]
EraseFn = Callable[[uuid.UUID], None]
Labels = dict[str, Any]


@dataclass(frozen=True)
class Provider:
    """One package's subject-data callbacks."""

    name: str
    export: ExportFn | None = None
    holds: HoldsFn | None = None
    erase: EraseFn | None = None
    labels: Labels | None = None


_providers: dict[str, Provider] = {}


def register(
    name: str,
    *,
    export: ExportFn | None = None,
    holds: HoldsFn | None = None,
    erase: EraseFn | None = None,
    labels: Labels | None = None,
) -> Provider:
    """Register (or replace) the provider ``name``; returns it.

    A package whose parts are written separately may call ``register`` again with the same name
    and only some callbacks: callbacks not given keep their previous value.
    """
    previous = _providers.get(name)
    provider = Provider(
        name=name,
        export=export if export is not None else (previous.export if previous else None),
        holds=holds if holds is not None else (previous.holds if previous else None),
        erase=erase if erase is not None else (previous.erase if previous else None),
        labels=labels if labels is not None else (previous.labels if previous else None),
    )
    _providers[name] = provider
    return provider


@dataclass
class PersonHooks:
    """Person-level hooks registered by the package owning the person rows."""

    find: Callable[..., list[tuple[uuid.UUID, str]]] | None = None
    visible: Callable[[Any, uuid.UUID], bool] | None = None
    rectifiable: Callable[[], dict[str, Any]] | None = None
    rectify: Callable[[Any, uuid.UUID, str, Any], Any] | None = None
    label: Callable[[Any, uuid.UUID, str], str | None] | None = None


person_hooks = PersonHooks()


def register_person_hooks(**hooks: Callable) -> None:
    """Set some of ``find``, ``visible``, ``label``, ``rectifiable``, ``rectify`` (see the module docstring)."""
    for name, value in hooks.items():
        if not hasattr(person_hooks, name):
            raise TypeError(f"unknown person hook {name!r}")
        setattr(person_hooks, name, value)


def unregister(name: str) -> None:
    """Remove a provider (tests)."""
    _providers.pop(name, None)


def providers() -> list[Provider]:
    """Every registered provider, in registration order."""
    return list(_providers.values())


def get(name: str) -> Provider | None:
    """The provider registered as ``name``, or None."""
    return _providers.get(name)


def exporters() -> Iterator[tuple[str, ExportFn]]:
    """(name, export) of every provider that exports."""
    for provider in providers():
        if provider.export is not None:
            yield provider.name, provider.export


def holders() -> Iterator[tuple[str, HoldsFn]]:
    """(name, holds) of every provider that declares legal holds."""
    for provider in providers():
        if provider.holds is not None:
            yield provider.name, provider.holds


def erasers() -> Iterator[tuple[str, EraseFn]]:
    """(name, erase) of every provider with its own erasure clean-up."""
    for provider in providers():
        if provider.erase is not None:
            yield provider.name, provider.erase


def field_labels() -> Labels:
    """``{field code: label}`` of every provider's ``labels``, in registration order."""
    merged: Labels = {}
    for provider in providers():
        merged.update(provider.labels or {})
    return merged
