"""Which event kinds the legal rule of an instrument's type allows, and which results give validity.

The legal basis, read as issue 10 gives it (docs/events.md, "Legal rules"):

- Law on Metrology 2011 (Luật Đo lường 04/2011/QH13), Art. 16: a Group 2 instrument is controlled by the
  State — type approval (PA), initial (IV), periodic (PV) and after-repair (RV) verification as the list
  says — so only a **verification** gives a Group 2 instrument in legal use its validity. A calibration of
  one is stored and shown, but never sets nor extends it. A Group 1 instrument is the owner's to control:
  its results last the owner's interval.
- Circular 23/2013/TT-BKHCN (as amended by 07/2019/TT-BKHCN and 03/2024/TT-BKHCN) and its
  Appendix: the list of Group 2 types and, per type, the controls required and the periodic cycle. Group 2
  membership on a day follows from the rule in force that day (``InstrumentType.group2_on``); a type with
  no rule in force is Group 1 for that event.
- The event kind must be one the rule requires: no periodic verification of a type whose rule has no PV
  (tape measures, clinical glass thermometers: a passed initial verification is valid for the
  instrument's life), no verification after repair of a type whose rule has no RV: a repaired instrument
  of such a type needs a new initial verification (or, with no IV either, what its rule allows).
- A rule whose controls are not yet confirmed (left empty: the EV-charger meters added by Circular
  03/2024) refuses no verification kind. *Uncertain*: the controls of Circular 03/2024 are to be
  confirmed in the catalogue.
"""

from __future__ import annotations

from datetime import date

from registry.catalogue.models import LegalRule
from registry.events.models import EventKind
from registry.items.models import Instrument, Item

# The control of the rule each verification kind carries out.
CONTROL_OF_KIND = {
    EventKind.VERIFICATION_INITIAL: "IV",
    EventKind.VERIFICATION_PERIODIC: "PV",
    EventKind.VERIFICATION_AFTER_REPAIR: "RV",
}
VERIFICATION_KINDS = frozenset(CONTROL_OF_KIND)


def rule_of(item: Item, on: date) -> LegalRule | None:
    """The legal rule that makes ``item`` a Group 2 instrument on ``on`` (in legal use, of a type with a
    rule in force that day), or ``None``: a Group 1 item that day."""
    if isinstance(item, Instrument) and item.group2_on(on):
        assert item.instrument_type is not None
        return item.instrument_type.rule_on(on)
    return None


def confirmed(rule: LegalRule) -> bool:
    """Whether the rule's verification controls are known (not yet, for the 2024 EV-charger meters)."""
    return bool(rule.control_set & set(CONTROL_OF_KIND.values()))


def allowed_kinds(rule: LegalRule) -> frozenset[EventKind]:
    """The verification kinds ``rule`` requires (every one while its controls are not confirmed)."""
    if not confirmed(rule):
        return VERIFICATION_KINDS
    return frozenset(kind for kind, control in CONTROL_OF_KIND.items() if control in rule.control_set)


def after_repair_kinds(rule: LegalRule) -> frozenset[EventKind]:
    """The verification that gives a repaired Group 2 instrument back its validity: the verification
    after repair when the rule has one; else a new initial verification; else what the rule allows."""
    allowed = allowed_kinds(rule)
    for kind in (EventKind.VERIFICATION_AFTER_REPAIR, EventKind.VERIFICATION_INITIAL):
        if kind in allowed:
            return frozenset({kind})
    return allowed


def gives_validity(item: Item, kind: EventKind, on: date) -> bool:
    """Whether a (passing) result of ``kind`` on ``on`` can set the item's validity: never a test or an
    intermediate check; never a calibration of a Group 2 instrument in legal use (Law on Metrology,
    Art. 16)."""
    if not kind.gives_validity:
        return False
    return not (kind.is_calibration and rule_of(item, on) is not None)


def restores_after_repair(item: Item, kind: EventKind, on: date) -> bool:
    """Whether a passing result of ``kind`` on ``on`` ends a repair: for a Group 2 instrument that day
    the verification its rule requires after a repair; for anything else any result giving validity."""
    rule = rule_of(item, on)
    if rule is None:
        return kind.gives_validity
    return kind in after_repair_kinds(rule)
