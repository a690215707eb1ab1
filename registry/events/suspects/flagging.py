"""Flagging suspects in SQL, set-based (DESIGN §2 "Suspects"), in the transaction that records, amends or
voids an event:

- **A bad result of a standard** — a fail, or out of tolerance as found (even when it passes as left) —
  makes suspect every current event that used the standard in the result's *window*: after its last good
  result (good as found: not a fail and not out of tolerance as found), up to the day of the first result
  good as left on or after it (the bad result itself when it passes as left after adjustment; the next
  good result after a fail, or no end while there is none).
- **Down the chain**: a suspect event that calibrated (or verified) an item used as a standard makes
  suspect the events that used that standard from its day up to the day of the standard's next result.
- **Used while overdue**: an event recorded with a standard that was overdue or never calibrated on its day
  (which the rules allow only with ``override_reason``) is suspect from the moment it is recorded.

Each reason is a row of ``suspicions`` (event, cause, standard, window, depth); an event is suspect while
one of its suspicions is open: not closed by an impact assessment, and still holding as the record now
stands. Each flagging computes afresh, into the temporary table ``suspect_support``, what holds for the
event changed and for the standards it touches (its item, when used as a standard, and the standards its
item's results are suspect of): so voiding the bad result or amending it to a good one, moving it to
another day, recording a good result late inside its window, or amending an event off the standard or out
of the window clears what no longer holds — the suspicion stays, append-only, and counts again if it holds
again. The chain is one recursive CTE, one INSERT records the suspicions not known yet, and one UPDATE sets
the flags: no per-row Python.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, bindparam, exists, func, select, text

from registry.auth.policy import Actor
from registry.core.models import UTCDateTime, utcnow
from registry.events.item_validity import latest_result, status_on
from registry.events.models import VALIDITY_KINDS, Event, EventState, event_standards
from registry.events.suspects.models import SuspectRule, Suspicion
from registry.extensions import db
from registry.items.status import Status

MAX_DEPTH = 12  # a chain deeper than this is a loop (standards calibrating each other on one day)

# Each current bad result ``b`` of a standard, with its window (see the module's docstring).
_WINDOWS = """
SELECT COALESCE(b.original_id, b.id) AS cause_id, b.item_id AS standard_id,
       CAST(CASE WHEN b.result = 'fail' THEN 'failed' ELSE 'out_of_tolerance' END AS VARCHAR(20)) AS rule,
       (SELECT MAX(g.performed_on) FROM events g
         WHERE g.item_id = b.item_id AND g.state = 'current' AND g.result <> 'fail'
           AND NOT g.as_found_out_of_tolerance AND g.performed_on < b.performed_on) AS window_from,
       CASE WHEN b.result <> 'fail' THEN b.performed_on ELSE
         (SELECT MIN(g.performed_on) FROM events g
           WHERE g.item_id = b.item_id AND g.state = 'current' AND g.result <> 'fail'
             AND g.performed_on > b.performed_on) END AS window_to
FROM events b
WHERE b.state = 'current' AND (b.result = 'fail' OR b.as_found_out_of_tolerance) AND {where}
"""

# The latest validity-giving result ``c`` of a standard before an event on ``{day}`` that used it: no other
# result of the standard lies strictly between (one on the event's own day counts both ways).
_RELIED_ON = """
c.state = 'current' AND c.kind IN :kinds AND c.performed_on <= {day}
AND NOT EXISTS (SELECT 1 FROM events n WHERE n.item_id = c.item_id AND n.state = 'current'
                AND n.kind IN :kinds AND n.performed_on > c.performed_on AND n.performed_on < {day})
"""

_COLUMNS = "event_id, cause_id, standard_id, rule, depth, window_from, window_to, flagged_at"

# The suspicions that hold as the record now stands, found afresh by each flagging (a temporary table: one
# per database connection, emptied first; its rows never outlive the transaction's work).
_SUPPORT = "root, cause_id, standard_id, rule, depth, window_from, window_to"
_SUPPORT_TABLE = [
    "CREATE TEMPORARY TABLE IF NOT EXISTS suspect_support (root INTEGER NOT NULL, cause_id INTEGER NOT NULL, "
    "standard_id INTEGER NOT NULL, rule VARCHAR(20) NOT NULL, depth INTEGER NOT NULL, window_from DATE, "
    "window_to DATE)",
    "CREATE INDEX IF NOT EXISTS ix_suspect_support ON suspect_support (root, cause_id, standard_id)",
    "DELETE FROM suspect_support",
]

# A suspicion ``{s}``'s bad result is still current and still bad. (Written to use the indexes, so that the
# planner's estimate of a statement asking it per row stays low: on PostgreSQL a high one compiles it by JIT,
# seconds for nothing.)
_CAUSE_STANDS = """EXISTS (SELECT 1 FROM events b
  WHERE b.item_id = {s}.standard_id AND b.state = 'current'
    AND (b.result = 'fail' OR b.as_found_out_of_tolerance)
    AND (b.id = {s}.cause_id OR b.original_id = {s}.cause_id))"""

# What one event is suspect of as it now stands: the bad results of the standards it used whose window holds
# its day, and the suspicions of the results of those standards it relied on whose cause still stands.
_INHERIT = f"""
INSERT INTO suspect_support ({_SUPPORT})
SELECT :root, x.cause_id, x.standard_id, x.rule, x.depth, x.window_from, x.window_to
FROM (
  SELECT w.cause_id, w.standard_id, w.rule, 0 AS depth, w.window_from, w.window_to
  FROM ({_WINDOWS.format(where="b.item_id IN (SELECT item_id FROM event_standards WHERE event_id = :id)")}) w
  WHERE (w.window_from IS NULL OR :day > w.window_from) AND (w.window_to IS NULL OR :day <= w.window_to)
  UNION ALL
  SELECT s.cause_id, s.standard_id, s.rule, s.depth + 1, s.window_from, s.window_to
  FROM event_standards es
  JOIN events c ON c.item_id = es.item_id
  JOIN suspicions s ON s.event_id = COALESCE(c.original_id, c.id)
  WHERE es.event_id = :id AND {_RELIED_ON.format(day=":day")}
    AND (s.rule = 'overdue' OR {_CAUSE_STANDS.format(s="s")})
) x
"""  # noqa: S608 - built from constants; every value is bound

# Everything the bad results of ``:standards`` make suspect as the record now stands, down the chain, computed
# afresh from their windows (and the used-while-overdue suspicions of ``:item``'s results, which no window
# bounds). Each row of ``hit`` carries what the next step needs of its event (first revision, item, kind,
# day), so that the recursion joins the standards used directly. ``{materialized}``: PostgreSQL computes the
# windows once.
_CASCADE = f"""
INSERT INTO suspect_support ({_SUPPORT})
WITH RECURSIVE windows AS {{materialized}} ({_WINDOWS.format(where="b.item_id IN :standards")}),
hit(event_id, root, item_id, kind, performed_on,
    cause_id, standard_id, rule, depth, window_from, window_to) AS (
  SELECT e.id, COALESCE(e.original_id, e.id), e.item_id, e.kind, e.performed_on,
         w.cause_id, w.standard_id, w.rule, 0, w.window_from, w.window_to
  FROM windows w
  JOIN event_standards es ON es.item_id = w.standard_id
  JOIN events e ON e.id = es.event_id
  WHERE e.state = 'current' AND (w.window_from IS NULL OR e.performed_on > w.window_from)
    AND (w.window_to IS NULL OR e.performed_on <= w.window_to)
  UNION
  SELECT e.id, COALESCE(e.original_id, e.id), e.item_id, e.kind, e.performed_on,
         s.cause_id, s.standard_id, CAST(s.rule AS VARCHAR(20)), s.depth, s.window_from, s.window_to
  FROM events e JOIN suspicions s ON s.event_id = COALESCE(e.original_id, e.id)
  WHERE e.item_id = :item AND e.state = 'current' AND s.rule = 'overdue'
  UNION
  SELECT e.id, COALESCE(e.original_id, e.id), e.item_id, e.kind, e.performed_on,
         h.cause_id, h.standard_id, h.rule, h.depth + 1, h.window_from, h.window_to
  -- CROSS JOIN keeps this order on SQLite, whose planner (without statistics) would otherwise scan every
  -- current event for each row found; PostgreSQL plans it as a plain join.
  FROM hit h
  CROSS JOIN event_standards es
  CROSS JOIN events e
  WHERE es.item_id = h.item_id AND e.id = es.event_id
    AND h.depth < {MAX_DEPTH} AND h.kind IN :kinds AND e.state = 'current'
    AND e.performed_on >= h.performed_on
    AND NOT EXISTS (SELECT 1 FROM events n WHERE n.item_id = h.item_id AND n.state = 'current'
                    AND n.kind IN :kinds AND n.performed_on > h.performed_on
                    AND n.performed_on < e.performed_on)
)
SELECT h.root, h.cause_id, h.standard_id, MIN(h.rule), MIN(h.depth), MIN(h.window_from), MAX(h.window_to)
FROM hit h
GROUP BY h.root, h.cause_id, h.standard_id
"""  # noqa: S608 - built from constants; every value is bound

# The suspicions found that are not known yet. What is known already is skipped by ON CONFLICT on the unique
# (event, cause, standard), not by NOT EXISTS over ``suspicions``: the table the statement inserts into,
# which PostgreSQL, planning it as near empty, scanned whole for each row found, its own new rows included
# (80,677 rows: 33 s of 34; bench/suspects.py). ``WHERE true``: without a WHERE, SQLite would read ON
# CONFLICT as a join's ON.
_RECORD = f"""
INSERT INTO suspicions ({_COLUMNS})
SELECT g.root, g.cause_id, g.standard_id, g.rule, g.depth, g.window_from, g.window_to, :now
FROM (
  SELECT p.root, p.cause_id, p.standard_id, MIN(p.rule) AS rule, MIN(p.depth) AS depth,
         MIN(p.window_from) AS window_from, MAX(p.window_to) AS window_to
  FROM suspect_support p
  GROUP BY p.root, p.cause_id, p.standard_id
) g
WHERE true
ON CONFLICT (event_id, cause_id, standard_id) DO NOTHING
"""  # noqa: S608 - built from constants; every value is bound

# The flags of the current events whose suspicions the change may have opened or closed (those of the
# event changed, ``:root``, and those stemming from ``:standards``), set from their open suspicions: not
# closed by an assessment, and holding as the record now stands. A suspicion of ``:root`` or stemming from
# ``:standards`` holds when this flagging found it again (``suspect_support``); any other, when its bad
# result is still current and bad; a use while overdue, while the event (at that step) still uses the
# standard. The version moves on with the flag.
_FLAG = f"""
WITH flags AS (
  SELECT s.event_id AS root,
         MAX(CASE WHEN s.id > COALESCE((SELECT MAX(a.closes_through) FROM impact_assessments a
                                        WHERE a.event_id = s.event_id), 0)
                   AND (CASE
                     WHEN s.rule = 'overdue' THEN s.cause_id <> s.event_id OR EXISTS (
                          SELECT 1 FROM event_standards us JOIN events u ON u.id = us.event_id
                          WHERE us.item_id = s.standard_id AND u.state = 'current'
                            AND (u.id = s.event_id OR u.original_id = s.event_id))
                     WHEN s.event_id = :root OR s.standard_id IN :standards THEN EXISTS (
                          SELECT 1 FROM suspect_support p
                          WHERE p.root = s.event_id AND p.cause_id = s.cause_id
                            AND p.standard_id = s.standard_id)
                     ELSE {_CAUSE_STANDS.format(s="s")} END)
             THEN 1 ELSE 0 END) AS open
  FROM suspicions s
  WHERE s.event_id IN (
      SELECT t.event_id FROM suspicions t WHERE t.event_id = :root OR t.standard_id IN :standards)
  GROUP BY s.event_id
)
UPDATE events SET suspect = (f.open = 1), version = events.version + 1
FROM flags f
WHERE COALESCE(events.original_id, events.id) = f.root AND events.state = 'current'
  AND events.suspect <> (f.open = 1)
"""  # noqa: S608 - built from constants; every value is bound

_TYPES: dict[str, Any] = {"day": Date(), "now": UTCDateTime()}
EXPANDING = frozenset({"kinds", "standards"})


def _execute(sql: str, values: dict[str, Any]) -> int:
    """Run ``sql`` with the values it names (``:kinds`` and ``:standards`` are lists)."""
    wanted = [name for name in values if f":{name}" in sql]
    statement = text(sql).bindparams(
        *(bindparam(name, type_=_TYPES.get(name), expanding=name in EXPANDING) for name in wanted)
    )
    result = db.session.execute(statement, {name: values[name] for name in wanted})
    return int(getattr(result, "rowcount", 0) or 0)


def _analyze_if_large(table: str, rows: int) -> None:
    if rows > 1000 and db.session.get_bind().dialect.name == "postgresql":
        # Thousands of rows new to the planner within this transaction: without fresh statistics it plans
        # what reads them as if the table were empty (nested loops over every row).
        db.session.execute(text(f"ANALYZE {table}"))


def _standards_affected(event: Event) -> list[int]:
    """The standards whose suspicions ``event`` may change, beyond its own: when its item is used as a
    standard, that item (its windows) and the standards its results are suspect of (their chains run
    through it); none otherwise."""
    if not db.session.scalar(select(exists().where(event_standards.c.item_id == event.item_id))):
        return []
    results_of_item = select(func.coalesce(Event.original_id, Event.id)).where(Event.item_id == event.item_id)
    upstream = select(Suspicion.standard_id).where(
        Suspicion.event_id.in_(results_of_item), Suspicion.rule != SuspectRule.OVERDUE.value
    )
    return sorted({event.item_id, *db.session.scalars(upstream.distinct())})


def flag_suspects(actor: Actor, event: Event) -> None:
    """After ``event`` was recorded, amended (``event`` is the new revision) or voided: what it makes
    suspect, what makes it suspect, and the flags that follow, recomputed for the standards it touches as
    the record now stands (an event amended off a bad standard or out of its window, a good result recorded
    late inside a window, a bad result moved to another day). A step of :func:`.recording.issue` and
    :func:`.revisions.void_event`, which check the actor."""
    db.session.flush()
    root = event.original_id or event.id
    values: dict[str, Any] = {
        "root": root,
        "id": event.id,
        "item": event.item_id,
        "day": event.performed_on,
        "now": utcnow(),
        "kinds": list(VALIDITY_KINDS),
        "standards": _standards_affected(event),
    }
    for statement in _SUPPORT_TABLE:
        db.session.execute(text(statement))
    if event.state == EventState.CURRENT:
        _flag_use_while_overdue(event, root)
        _execute(_INHERIT, values)
    if values["standards"]:
        postgresql = db.session.get_bind().dialect.name == "postgresql"
        found = _execute(_CASCADE.format(materialized="MATERIALIZED" if postgresql else ""), values)
        _analyze_if_large("suspect_support", found)
    _analyze_if_large("suspicions", _execute(_RECORD, values))
    _execute(_FLAG, values)
    for row in list(db.session.identity_map.values()):
        if isinstance(row, Event):
            db.session.expire(row, ["suspect", "version"])


UNFIT_WITHOUT_A_BAD_RESULT = (Status.OVERDUE, Status.NEVER, Status.AWAITING_REVERIFICATION)


def _flag_use_while_overdue(event: Event, root: int) -> None:
    """An event recorded with a standard overdue, never calibrated or awaiting its verification after a
    repair on its day (allowed with a reason). A failed standard's events are flagged by its result."""
    if not event.override_reason:
        return
    for standard in event.standards_used:
        if status_on(standard, event.performed_on) not in UNFIT_WITHOUT_A_BAD_RESULT:
            continue
        known = select(Suspicion.id).where(
            Suspicion.event_id == root, Suspicion.cause_id == root, Suspicion.standard_id == standard.id
        )
        if db.session.scalar(known.limit(1)) is None:
            last = latest_result(standard, event.performed_on)
            since: date | None = last.valid_until if last is not None else None
            db.session.add(
                Suspicion(
                    event_id=root,
                    cause_id=root,
                    standard_id=standard.id,
                    rule=SuspectRule.OVERDUE.value,
                    depth=0,
                    window_from=since,
                )
            )
    db.session.flush()
