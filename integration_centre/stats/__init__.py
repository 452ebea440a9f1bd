"""Statistics: anonymous facts, the indicator catalogue, protected releases, the committee's dashboard.

The committee must never be able to learn anything about one person. This package therefore never
imports the person or case models nor the privacy package (import-linter enforces it): it receives
plain event payloads from ``integration_centre.pathway.events`` and keeps only what a statistician
needs.

Facts (``models.Fact``)
    One row per pathway event, written by the listener (``facts.record_event``) in the same
    database session — hence the same transaction — as the change that emitted the event: a
    rollback removes the fact too. A fact holds the event type, the step code, the month and ISO
    week, the cohort month (month the case was opened), a 5-year age band, sex, a nationality
    *group* (``data/nationality_groups.yaml``: ISO codes grouped into regions; the ISO code itself
    is not kept), the municipality code as recorded (mapped to arrondissement and province through
    the versioned code table of ``geography.py``, so codes of merged municipalities count under
    their successor), office and centre, obliged/voluntary/dispensed and the dispensation reason,
    residence category, CEFR level, an outcome or reason, and for completions the duration in days.
    Since issue 16 it also holds the case's entry service and purpose, whether the file is new or a
    follow-up, the education level, and the ISO nationality when it is one of the frequent ones
    listed in ``data/nationalities.yaml`` (else ``other``): the "top nationalities" table shows the
    most frequent of them with at least k people each and folds the rest into "other", itself 0
    or at least k (``queries.fold_top``); ``nesting`` knows that a nationality lies in its group.
    It holds no person id, no case id, no name and no exact date.

Counting people, not events — the decision
    We chose *milestone facts* over a keyed pseudonym: no identifier of any kind, even a keyed
    one, reaches the statistics tables, so there is nothing to link and no key to guard. A fact is
    a milestone (``milestone`` true) when the pathway emits the event at most once per case
    for its step: case opened, completed or closed; step completed or exempted; dispensation
    recorded; and — one per referral — step referred, started or declined. A step that is retried
    emits again: referral tables therefore count referrals (their unit says so), never people;
    the payload may carry ``first_for_case: true/false`` to mark the first occurrence explicitly,
    which then decides. Head-count tables select milestone facts only, so a person counts once in
    a cell. Other events (planned, retried, cancelled…) are kept for workload counts, never
    mixed with head counts.

Corrections
    A correction emits a retraction fact: the same attributes as the fact it cancels with
    ``weight = -1``. Tables sum ``weight``, so a retracted event disappears from the next release.

Releases (``services.publish``)
    Every catalogue table for a period and a scope is computed with SQL GROUP BY over the facts,
    protected with ``disclosure.protect_tables`` (tables of the same population share cell
    identities, so one figure has one status everywhere), re-checked, and stored immutably as
    canonical JSON with its SHA-256. Hidden cells are stored without their value. If protection or
    the check fails nothing is written and the previous release stays live. Tables that would lose
    more than 20% of their cells are withheld and listed for redesign. The dashboard, the CSV and
    the charts all read the stored release; nothing is computed for the committee on the fly.
    Before storing, ``nesting`` compares every shown count with the nested figures of the same
    release and of the live releases (months in quarters and years, centres in the region,
    municipalities in arrondissements, sub-populations, the previous release of the same period):
    a pair differing by 1 to k−1 gets the new figure hidden and the tables protected again.

Schedule, reports, supply
    ``integration-centre stats publish --due`` (monthly, e.g. cron ``15 2 1 * *``) publishes every
    completed month, quarter and year not yet published. Each release has a printable PDF report
    (``report.py``) laid out from the same cells as the page and the CSV. Supply tables read the
    places of the operator directory through ``supply.py`` (organisations, never people).
"""


def register(app) -> None:
    """Wire the package into ``app``: the fact writer on the pathway's events, the blueprints
    and the committee's navigation links."""
    from flask_babel import lazy_gettext as _l

    from integration_centre.accounts.models import Role
    from integration_centre.core.navigation import add_item
    from integration_centre.stats import listener, views

    listener.connect()
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    add_item("stats_home.committee_home", _l("Home"), [Role.COMMITTEE], order=0)
    add_item("stats.dashboard", _l("Statistics"), [Role.COMMITTEE], order=10)
    add_item("stats.funnel", _l("Pathway funnel"), [Role.COMMITTEE], order=20)
    add_item("stats.trends", _l("Trends"), [Role.COMMITTEE], order=30)
    add_item("stats.methodology", _l("Methodology"), [Role.COMMITTEE], order=40)
