"""The decision rule (ISO/IEC 17025 §7.1.3, §7.8.6; ILAC-G8:09/2019): what the measurement points say
about pass or fail, and how well the calibration could tell (the test uncertainty ratio).

- **Simple acceptance** (the default, ILAC-G8 §4.2.1, "shared risk"): a point passes when
  |error| ≤ MPE.
- **Guarded acceptance** (ILAC-G8 §4.2.2, binary statement with a guard band w = U): a point passes when
  |error| + U ≤ MPE, i.e. the acceptance limit is the tolerance less the expanded uncertainty of the point;
  every judged point then needs its U.

A point's error is its ``error`` when given, else as left − nominal, else (nothing adjusted) as found −
nominal: the statement of conformity is about the item as it leaves the lab. A point without an MPE, or
without an error that can be read, is not judged. The TUR is |MPE| / U at the worst point (the smallest),
over the points that give both (U > 0).
"""

from __future__ import annotations

import enum
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError
from registry.items.labels import RESULT_LABELS
from registry.items.models import Result


class DecisionRule(enum.StrEnum):
    SIMPLE = "simple_acceptance"
    GUARDED = "guarded_acceptance"


RULE_LABELS = {
    DecisionRule.SIMPLE: _l("Simple acceptance (|error| ≤ MPE)"),
    DecisionRule.GUARDED: _l("Guarded acceptance, ILAC-G8:2019, guard band U (|error| + U ≤ MPE)"),
}


def parse_rule(value: object) -> DecisionRule | None:
    """The rule named (None when none is: simple acceptance applies to points)."""
    if value is None or value == "":
        return None
    try:
        return DecisionRule(str(value).strip())
    except ValueError:
        raise ServiceError({"decision_rule": _l("Use simple_acceptance or guarded_acceptance.")}) from None


def rule_for(points: list[dict[str, str]], given: DecisionRule | None) -> DecisionRule | None:
    """The rule an event records: the one given, simple acceptance for points without one; none without
    points (nothing was judged)."""
    if not points:
        return given
    return given or DecisionRule.SIMPLE


def _number(point: dict[str, Any], name: str) -> Decimal | None:
    try:
        return Decimal(point[name]) if point.get(name) not in (None, "") else None
    except (InvalidOperation, TypeError):
        return None


def point_error(point: dict[str, Any]) -> Decimal | None:
    """The error the item leaves with at this point (see the module's note)."""
    error = _number(point, "error")
    if error is not None:
        return error
    nominal = _number(point, "nominal")
    if nominal is None:
        return None
    for reading in ("as_left", "as_found"):
        value = _number(point, reading)
        if value is not None:
            return value - nominal
    return None


def decide(points: list[dict[str, Any]], rule: DecisionRule | None) -> Result | None:
    """Pass or fail as the points give it under ``rule``; None when no point can be judged. Under guarded
    acceptance a judged point without its uncertainty is refused (rows counted from 1)."""
    if rule is None:
        return None
    judged = False
    errors: dict[str, Any] = {}
    failed = False
    for row, point in enumerate(points, start=1):
        mpe, error = _number(point, "mpe"), point_error(point)
        if mpe is None or error is None:
            continue
        judged = True
        margin = abs(error)
        if rule == DecisionRule.GUARDED:
            uncertainty = _number(point, "uncertainty")
            if uncertainty is None:
                errors[f"measurement_points.{row}.uncertainty"] = _l(
                    "Guarded acceptance needs the expanded uncertainty U of each point judged."
                )
                continue
            margin += abs(uncertainty)
        failed = failed or margin > abs(mpe)
    if errors:
        raise ServiceError(errors)
    if not judged:
        return None
    return Result.FAIL if failed else Result.PASS


def tur(points: list[dict[str, Any]]) -> Decimal | None:
    """The test uncertainty ratio |MPE| / U at the worst point, to two decimals (rounded down, so it is
    never better than it was); None when no point gives both."""
    ratios = []
    for point in points:
        mpe, uncertainty = _number(point, "mpe"), _number(point, "uncertainty")
        if mpe is not None and uncertainty:
            ratios.append(abs(mpe) / abs(uncertainty))
    if not ratios:
        return None
    return min(ratios).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def check_stated_result(
    result: Result, points: list[dict[str, str]], rule: DecisionRule | None, reason: str
) -> None:
    """A stated pass or fail that the points, judged by the rule, contradict needs the lab's reason (a
    calibration stating neither makes no statement of conformity to check)."""
    computed = decide(points, rule)
    if computed is None or result == Result.NOT_STATED or computed == result or reason:
        return
    assert rule is not None
    raise ServiceError(
        {
            "result_reason": _l(
                "By %(rule)s the measurement points give %(computed)s, not %(stated)s: give the reason "
                "the stated result differs.",
                rule=RULE_LABELS[rule],
                computed=RESULT_LABELS[computed],
                stated=RESULT_LABELS[result],
            )
        }
    )


def points_result(event: Any) -> Result | None:
    """What an event's recorded points give by its recorded rule (None when nothing can be judged)."""
    rule = parse_rule(event.decision_rule)
    try:
        return decide(event.measurement_points or [], rule)
    except ServiceError:  # recorded before guarded acceptance asked for every U
        return None
