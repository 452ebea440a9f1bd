"""How the operators' screens write a person's name.

A LOCAL STAND-IN (issue #17): the application-wide name-format helper is being written elsewhere;
once it exists, ``display_name`` here becomes a call to it (every caller in ``operators`` goes
through this function).
"""

from __future__ import annotations


def display_name(family_name: str | None, given_names: str | None) -> str:
    """A person's name as screens write it: "NOM, Prénom" (the family name in capitals)."""
    family = (family_name or "").strip().upper()
    given = (given_names or "").strip()
    if family and given:
        return f"{family}, {given}"
    return family or given or "—"
