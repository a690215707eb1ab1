"""Submitted reports, frozen: the Department's admin submits a plan's report for a day, and the registry
keeps its figures and files as they were, who submitted it and when, and the rows each indicator counted
(copied in SQL, set-based: an indicator may count hundreds of thousands). Nothing changes them afterwards
(database triggers); the live tally for the same day shows beside them, with the rows that differ."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CompoundSelect, Integer, Select, func, insert, literal, select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.core.dates import local_today
from registry.core.errors import ConflictError, FieldErrors, NotFoundError, ServiceError
from registry.core.validation import clean_text
from registry.extensions import db
from registry.plan.models import Indicator, Plan, Submission, submission_rows
from registry.plan.reports import FORMATS
from registry.plan.services import parse_as_of, tallies
from registry.plan.tallies import CountedRow, counted_rows, described, listed, tally

FROZEN_COLUMNS = ("day", "activity_id", "item_id", "participant_id", "organisation_id")


def _day(value: object) -> date:
    day = parse_as_of(value)
    if day > local_today():
        raise ServiceError({"as_of": _l("A report can only be submitted for a day that has come.")})
    return day


def submit(actor: Actor, plan: Plan, as_of: object, note: object = "") -> Submission:
    """Freeze the plan's report on ``as_of``: the JSON, workbook and Word files as they are now, and the
    rows behind each figure. The Department's admin."""
    policy.require(actor, plan, Permission.SUBMIT, _l("Only the Department's admin may submit a report."))
    errors = FieldErrors()
    day = errors.run(_day, as_of)
    text = errors.run(clean_text, note, field="note", max_length=2000, required=False)
    errors.raise_if_any()
    rows = tallies(actor, plan, day)
    files = {fmt: writer(plan, rows, day) for fmt, (writer, _media) in FORMATS.items()}
    submission = Submission(
        plan=plan,
        as_of=day,
        submitted_by_id=actor.id if isinstance(actor, User) else None,
        submitted_by=actor.name or actor.email if isinstance(actor, User) else str(actor),
        note=text,
        **{f"report_{fmt}": body for fmt, body in files.items()},
        **{f"sha256_{fmt}": hashlib.sha256(body).hexdigest() for fmt, body in files.items()},
    )
    with audit.reason(text or _l("Report submitted for %(day)s.", day=day.isoformat())):
        db.session.add(submission)
    for indicator in plan.indicators:
        counted = counted_rows(indicator, day).subquery()
        db.session.execute(
            insert(submission_rows).from_select(
                ["submission_id", "indicator_id", *FROZEN_COLUMNS],
                select(
                    literal(submission.id, Integer),
                    literal(indicator.id, Integer),
                    *(counted.c[column] for column in FROZEN_COLUMNS),
                ),
            )
        )
    # The figures and the rows were read by separate statements: a change committed between them (on
    # PostgreSQL, which reads each statement's own snapshot) would freeze rows that disagree with them.
    frozen = _frozen_counts(submission)
    if any(frozen.get(row.indicator.id, 0) != row.actual for row in rows):
        raise ConflictError({"as_of": _l("The registry changed while the report was frozen: submit again.")})
    return submission


def _frozen_counts(submission: Submission) -> dict[int, int]:
    c = submission_rows.c
    stmt = (
        select(c.indicator_id, func.count()).where(c.submission_id == submission.id).group_by(c.indicator_id)
    )
    return {indicator_id: count for indicator_id, count in db.session.execute(stmt)}


def visible_submissions(actor: Actor, plan: Plan) -> list[Submission]:
    condition = policy.visible(actor, Submission)
    stmt = select(Submission).where(Submission.plan_id == plan.id)
    if condition is not None:
        stmt = stmt.where(condition)
    return list(db.session.scalars(stmt.order_by(Submission.submitted_at.desc(), Submission.id.desc())))


def get_submission(actor: Actor, plan: Plan, submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.plan_id != plan.id or not policy.can_see(actor, submission):
        raise NotFoundError({"submission": _l("No such submitted report.")})
    return submission


def frozen_file(submission: Submission, fmt: str) -> tuple[bytes, str, str]:
    """A submitted file as it was: its bytes, media type and file name."""
    body: bytes = getattr(submission, f"report_{fmt}")
    name = f"{submission.plan.code}-{submission.as_of.isoformat()}-submitted-{submission.id}.{fmt}"
    return body, FORMATS[fmt][1], name


def figures(submission: Submission) -> dict[tuple[str, str], int]:
    """The submitted figures by (indicator code, period), read from the frozen JSON report."""
    body = json.loads(submission.report_json)
    return {(row["code"], row["phase"]): row["actual"] for row in body["indicators"]}


def _frozen(submission: Submission, indicator: Indicator) -> Select[Any]:
    c = submission_rows.c
    return select(*(c[column] for column in FROZEN_COLUMNS)).where(
        c.submission_id == submission.id, c.indicator_id == indicator.id
    )


def _live(submission: Submission, indicator: Indicator) -> Select[Any]:
    counted = counted_rows(indicator, submission.as_of).subquery()
    return select(*(counted.c[column] for column in FROZEN_COLUMNS))


def added(submission: Submission, indicator: Indicator) -> CompoundSelect:
    """Rows the indicator counts now for the submission's day and did not count when it was submitted."""
    return _live(submission, indicator).except_(_frozen(submission, indicator))


def removed(submission: Submission, indicator: Indicator) -> CompoundSelect:
    """Rows it counted when submitted and counts no longer (voided, amended, moved)."""
    return _frozen(submission, indicator).except_(_live(submission, indicator))


def _count(rows: CompoundSelect) -> int:
    return db.session.scalar(select(func.count()).select_from(rows.subquery())) or 0


@dataclass
class Difference:
    indicator: Indicator
    frozen: int | None  # None: the indicator was not in the plan when the report was submitted
    live: int
    added: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.frozen != self.live)


def compare(submission: Submission) -> list[Difference]:
    """Each indicator's submitted figure beside the live tally for the same day, and how many rows differ."""
    submitted = figures(submission)
    return [
        Difference(
            indicator,
            submitted.get((indicator.code, indicator.period)),
            tally(indicator, submission.as_of).actual,
            _count(added(submission, indicator)),
            _count(removed(submission, indicator)),
        )
        for indicator in submission.plan.indicators
    ]


def differing_rows(submission: Submission, indicator: Indicator) -> tuple[list[CountedRow], list[CountedRow]]:
    """The rows counted now but not then, and then but not now, with what each names."""
    now, then = added(submission, indicator).subquery(), removed(submission, indicator).subquery()
    return listed(described(now), now), listed(described(then), then)
