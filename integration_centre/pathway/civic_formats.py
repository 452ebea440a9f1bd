"""The two formats of the Walloon citizenship training and which one fits a person's French level.

``aoc`` — ateliers d'orientation citoyenne (civic orientation workshops), for a level below A2;
``fic`` — formation à l'intégration citoyenne (civic integration training), from A2 up (the
glossary). The rule is one function, ``fitting_civic_format``; the screens where a format is
chosen (the step page, the referral page) only WARN when the choice does not fit the person's
last positioning level: an agent may have reasons (a level that moved since the test).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from integration_centre.pathway.definitions import cefr_rank
from integration_centre.pathway.models import Case
from integration_centre.pathway.reading import definition_of
from integration_centre.pathway.states import StepState

AOC = "aoc"
FIC = "fic"
FIC_FROM_LEVEL = "A2"
CIVIC_FORMAT_LABELS = {
    AOC: _l("Civic orientation workshops (AOC)"),
    FIC: _l("Civic integration training (FIC)"),
}


def fitting_civic_format(level: str | None) -> str | None:
    """``aoc`` below A2 (pre A1, A1), ``fic`` at A2 or above; None when the level is unknown."""
    rank = cefr_rank(level)
    if rank is None:
        return None
    return AOC if rank < cefr_rank(FIC_FROM_LEVEL) else FIC


def last_positioning_level(case: Case) -> str | None:
    """The person's last French positioning level: the result of the reception module's test.

    The positioning test completes the definition's first step that records a CEFR level (the
    language test, or Brussels' combined assessment) with the level found; a later test cannot
    replace it, so that result is the last level. None while the test is not done.
    """
    for step_def in definition_of(case).steps:
        if (step_def.result or {}).get("type") != "cefr":
            continue
        step = case.step(step_def.code)
        if step.state == StepState.COMPLETED and cefr_rank(step.result) is not None:
            return step.result
        return None
    return None


def level_label(level: str) -> str:
    """A CEFR level as people write it (``pre A1``)."""
    return level.replace("_", " ")


def civic_format_hint(case: Case) -> str | None:
    """Which format fits the person, to show where the format is chosen; None when unknown."""
    level = last_positioning_level(case)
    fitting = fitting_civic_format(level)
    if fitting is None:
        return None
    return _(
        "The person's last positioning level is %(level)s: %(format)s fits.",
        level=level_label(level),
        format=CIVIC_FORMAT_LABELS[fitting],
    )


def civic_format_warning(case: Case, chosen: str | None) -> str | None:
    """A warning (never a refusal) when ``chosen`` (aoc/fic) does not fit the last positioning
    level; None when it fits, when nothing was chosen or when the level is unknown."""
    if chosen not in CIVIC_FORMAT_LABELS:
        return None
    level = last_positioning_level(case)
    fitting = fitting_civic_format(level)
    if fitting is None or fitting == chosen:
        return None
    return _(
        "The person's last positioning level is %(level)s: %(fitting)s fits better than %(chosen)s.",
        level=level_label(level),
        fitting=CIVIC_FORMAT_LABELS[fitting],
        chosen=CIVIC_FORMAT_LABELS[chosen],
    )
