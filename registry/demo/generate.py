"""Synthetic data at scale: ``flask --app wsgi demo generate --instruments N`` (issue 15).

Organisations spread over the province's districts (through the organisation service, one per ~385
instruments as in a national registry: 1,000,000 over ~2,600), each with one of the demo's instrument
profiles (fuel stations, water and power companies, hospitals, markets…): so types come in the proportions a
province has, with one instrument in ten of any other type in the catalogue. About three events per
instrument, every status present. Items and events are written in bulk (COPY on PostgreSQL), with their
derived columns computed by the events domain's own rules (:func:`registry.events.rules.validity`) and the
items' search columns by the items domain's folding, so that each row is what the services would have
stored; one audit entry per batch (:func:`.bulk.audit_batch`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text

from registry.auth.policy import Actor, SystemActor
from registry.catalogue.models import AdminUnit, InstrumentType
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.core.text import fold
from registry.demo.bulk import BulkWriter, audit_batch
from registry.demo.data import INSTRUMENT_PROFILES
from registry.demo.services import _tax_code
from registry.events import controls, rules
from registry.events.models import Event, EventKind, new_verification_token
from registry.extensions import db
from registry.items.models import Instrument, Item, ItemKind, ItemState, Result
from registry.items.search import serial_key
from registry.organisations.models import Organisation
from registry.organisations.services import create_organisation

BATCH = 20_000
PER_ORGANISATION = 385
# Shares of instruments with no result, a failed latest result, a repair awaiting its verification, and
# taken out of service or retired: every status appears at any size.
SHARES = {"never": 0.07, "failed": 0.04, "repair": 0.02, "out_of_service": 0.02, "retired": 0.02}
FATES = list(zip(SHARES, itertools.accumulate(SHARES.values()), strict=True))
OTHER_TYPE_SHARE = 0.1
INTERNAL_SHARE = 0.3  # of balances: calibrated on the owner's interval (Group 1 use)
# profile -> (organisation name, sector)
PROFILE_NAMES = {
    "fuel_large": ("Công ty Xăng dầu", "xăng dầu"), "fuel_small": ("Cửa hàng Xăng dầu", "xăng dầu"),
    "water": ("Công ty Cấp nước", "cấp nước"), "water_small": ("Xí nghiệp Cấp nước", "cấp nước"),
    "power": ("Điện lực", "điện"), "power_plant": ("Công ty Thủy điện", "thủy điện"),
    "hospital": ("Bệnh viện Đa khoa", "y tế"), "clinic": ("Trạm Y tế", "y tế"),
    "market": ("Ban Quản lý chợ", "chợ"), "coffee": ("Công ty TNHH Cà phê", "cà phê"),
    "rubber": ("Công ty Cao su", "cao su"), "taxi": ("Công ty Taxi", "vận tải"),
    "weighbridge": ("Công ty Vật liệu Xây dựng", "vật liệu xây dựng"),
    "sugar": ("Công ty Đường", "đường mía"),
    "retail": ("Siêu thị", "bán lẻ"), "gold": ("Doanh nghiệp Vàng bạc", "vàng bạc"),
}  # fmt: skip
PROFILE_WEIGHTS = {"market": 6, "fuel_small": 5, "clinic": 4, "retail": 3, "coffee": 3, "gold": 2}


RuleKey = tuple[int, str, int | None]
MISSING = object()


@dataclass
class Model:
    """What one instrument type comes as: its make, its use, and a transient instrument of that kind on
    which the domain's rules are asked (they depend on the type, the use and the interval only)."""

    type: InstrumentType
    manufacturer: str
    model: str
    use: str
    interval: int | None
    template: Instrument = field(init=False)
    words: str = field(init=False)  # the folded search words after the serial number

    @property
    def rule_key(self) -> RuleKey:
        """What the domain's rules read of an instrument of this model."""
        return (self.type.id, self.use, self.interval)

    def __post_init__(self) -> None:
        self.template = Instrument(use=self.use, interval_months=self.interval)
        self.template.instrument_type = self.type
        self.words = " ".join(
            w
            for w in (
                fold(self.manufacturer),
                fold(self.model),
                fold(self.type.name_vi),
                fold(self.type.name_en),
            )
            if w
        )


@dataclass
class Owner:
    organisation: Organisation
    models: list[Model]
    weights: list[float]
    words: str  # folded code and name
    size: float  # how many instruments it has, relative to the others


@dataclass
class Counts:
    organisations: int = 0
    instruments: int = 0
    events: int = 0


class Generator:
    def __init__(self, actor: Actor, *, seed: int, today: date) -> None:
        self.actor = actor
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.seed = seed
        self.today = today
        self.types = {t.code: t for t in db.session.scalars(select(InstrumentType))}
        self.providers = list(
            db.session.scalars(select(Organisation).where(Organisation.is_provider).order_by(Organisation.id))
        )
        self.items = BulkWriter(Item.__table__)
        self.events = BulkWriter(Event.__table__)
        self.item_defaults = self.items.defaults()
        self.event_defaults = self.events.defaults()
        self._cycles: dict[RuleKey, tuple[int, bool]] = {}
        self._outcomes: dict[tuple[RuleKey, date, Result], Any] = {}

    # Organisations -------------------------------------------------------------------------------------
    def organisations(self, count: int) -> list[Owner]:
        units = list(
            db.session.scalars(
                select(AdminUnit).where(AdminUnit.level.in_(("district", "city"))).order_by(AdminUnit.code)
            )
        )
        if not self.providers:
            self.providers = [
                create_organisation(
                    self.actor,
                    code=f"GEN-LAB-{n}",
                    name=f"Trung tâm Kiểm định Đo lường {n}",
                    kinds=["provider"],
                )
                for n in (1, 2, 3)
            ]
        start = db.session.scalar(select(db.func.count(Organisation.id))) or 0
        profiles = list(PROFILE_NAMES)
        weights = [PROFILE_WEIGHTS.get(p, 1) for p in profiles]
        owners = []
        for n in range(start + 1, start + count + 1):
            profile = self.rng.choices(profiles, weights)[0]
            unit = units[n % len(units)] if units else None
            prefix, sector = PROFILE_NAMES[profile]
            place = unit.name.split(" ", 1)[-1] if unit else "Kon Tum"
            organisation = create_organisation(
                self.actor,
                code=f"GEN-{n:05d}",
                name=f"{prefix} {place} số {n}",
                kinds=["enterprise"],
                tax_code=_tax_code(100_000 + n * 37),
                address=f"Số {n % 300 + 1}, {unit.name if unit else 'Kon Tum'}",
                admin_unit=unit.code if unit else None,
                sectors=[sector],
            )
            owners.append(self._owner(organisation, profile))
        return owners

    def _owner(self, organisation: Organisation, profile: str) -> Owner:
        models, weights = [], []
        for code, how_many, manufacturer, model in INSTRUMENT_PROFILES[profile]:
            if code in self.types:
                models.append(self._model(self.types[code], manufacturer, model))
                weights.append(how_many * (1 - OTHER_TYPE_SHARE))
        others = [t for t in self.types.values() if t.rules]
        for instrument_type in self.rng.sample(others, min(3, len(others))):
            models.append(self._model(instrument_type, "Generic", "G-1"))
            weights.append(sum(weights) * OTHER_TYPE_SHARE / 3 or 1)
        words = " ".join(w for w in (fold(organisation.code), fold(organisation.name)) if w)
        # A few large owners (a water or power company), many small ones.
        return Owner(organisation, models, weights, words, min(self.rng.paretovariate(1.2), 20.0))

    def _model(self, instrument_type: InstrumentType, manufacturer: str, model: str) -> Model:
        internal = instrument_type.code.startswith("BALANCE") and self.rng.random() < INTERNAL_SHARE
        # In internal use, or of a type with no legal rule today: a Group 1 instrument, on its interval.
        group1 = internal or instrument_type.rule_on(self.today) is None
        use = "internal" if internal else "legal"
        return Model(instrument_type, manufacturer, model, use, 12 if group1 else None)

    # Instruments and their events ----------------------------------------------------------------------
    def prepare(
        self, owners: list[Owner], cumulative: list[float], item_ids: list[int]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows of a batch of instruments and of their events (without the events' ids). Reads no
        database, so that it runs in a thread while the previous batch is written."""
        items: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        chosen = self.rng.choices(owners, cum_weights=cumulative, k=len(item_ids))
        for item_id, owner in zip(item_ids, chosen, strict=True):
            model = self.rng.choices(owner.models, owner.weights)[0]
            item, history = self._instrument(item_id, owner, model)
            items.append(item)
            for position, event in enumerate(history):
                year = event["performed_on"].year
                number = f"{item_id}-{position + 1}"  # unique for the lab: the item's id and the event's rank
                if event["result"] != Result.FAIL:
                    event["certificate_number"] = f"{year}/GCN-{number}"
                    event["verification_token"] = new_verification_token()
                    if event["kind"].startswith("verification_"):
                        event["stamp_number"] = f"T{year % 100}-{number}"
                else:
                    event["record_number"] = f"{year}/BB-{number}"
            events.extend(history)
        return items, events

    def write(self, item_ids: list[int], items: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        event_ids = self.events.ids(len(events))
        for event_id, event in zip(event_ids, events, strict=True):
            event["id"] = event_id
        self.items.write(items)
        self.events.write(events)
        parameters = {"seed": self.seed, "today": self.today}
        label = str(self.actor)
        audit_batch(label, "items", item_ids, "demo generate: synthetic instruments", parameters)
        audit_batch(label, "events", event_ids, "demo generate: synthetic events", parameters)

    def _instrument(
        self, item_id: int, owner: Owner, model: Model
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        organisation = owner.organisation
        acquired = self.today - timedelta(days=rng.randint(0, 15 * 365))
        serial = f"{model.model.split()[0][:3].upper()}{acquired.year % 100:02d}-{item_id:07d}"
        key = serial_key(serial)  # the serial number folded: also its first search words
        fate, outcome = rng.random(), ""
        for name, bound in FATES:
            if fate < bound:
                outcome = name
                break
        history = [] if outcome == "never" else self._history(model, acquired, failed=outcome == "failed")
        row = dict(self.item_defaults)
        # search_text is search_text_of()'s words in its order, folded once per model and owner rather than
        # per row (tests/test_demo_generate.py checks each row against search_text_of).
        row.update(
            id=item_id, kind=ItemKind.INSTRUMENT.value, owner_id=organisation.id, type_id=model.type.id,
            serial_number=serial, manufacturer=model.manufacturer, model=model.model, use=model.use,
            interval_months=model.interval, acquired_on=acquired, site_address=organisation.address,
            site_admin_unit_id=organisation.admin_unit_id, serial_key=key,
            search_text=" ".join(w for w in (key, model.words, owner.words) if w),
            state={"retired": ItemState.RETIRED, "out_of_service": ItemState.OUT_OF_SERVICE}.get(
                outcome, ItemState.IN_SERVICE
            ).value,
            purpose="measurement_assurance" if model.use == "internal" else "service",
        )  # fmt: skip
        if history:
            latest = history[-1]
            row.update(
                last_result=latest["result"],
                last_event_on=latest["performed_on"],
                valid_until=latest["valid_until"],
            )
            if (
                outcome == "repair"
                and latest["performed_on"] < self.today
                and latest["result"] != Result.FAIL
            ):
                row["repaired_on"] = min(
                    self.today, latest["performed_on"] + timedelta(days=rng.randint(10, 90))
                )
                row["needs_reverification"] = True
        for event in history:
            event["item_id"] = item_id
        return row, history

    def _history(self, model: Model, acquired: date, *, failed: bool) -> list[dict[str, Any]]:
        """About three results, one cycle apart, the latest spread over the last cycle and a bit (so that
        some are due soon and some overdue); each with the validity the domain's rule gives it."""
        rng = self.rng
        cycle_days, only_initial = self._cycle(model)
        latest = self.today - timedelta(days=rng.randint(0, cycle_days + 75))
        days = (
            [latest]
            if only_initial
            else [latest - timedelta(days=cycle_days * k) for k in range(rng.randint(2, 5))][::-1]
        )
        days = [day for day in days if day >= acquired] or [max(acquired, latest)]
        provider = rng.choice(self.providers).id
        history = []
        for position, day in enumerate(days):
            result = Result.FAIL if failed and position == len(days) - 1 else Result.PASS
            outcome = self._outcome(model, position == 0, day, result)
            if outcome is None:
                continue
            kind, validity = outcome
            event = dict(self.event_defaults)
            event.update(
                provider_id=provider, kind=kind.value, performed_on=day, result=result.value,
                valid_until=validity.until, computed_valid_until=validity.computed,
                technician="Kỹ thuật viên", measurement_points=[],
            )  # fmt: skip
            history.append(event)
        return history

    def _cycle(self, model: Model) -> tuple[int, bool]:
        """The model's cycle in days today, and whether its rule has an initial verification only."""
        key = model.rule_key
        if key not in self._cycles:
            rule = controls.rule_of(model.template, self.today)
            cycle = rule.cycle_months if rule is not None else model.interval
            only_initial = rule is not None and (
                cycle is None or controls.allowed_kinds(rule) <= {EventKind.VERIFICATION_INITIAL}
            )
            self._cycles[key] = ((cycle or 12) * 365 // 12, only_initial)
        return self._cycles[key]

    def _outcome(
        self, model: Model, first: bool, day: date, result: Result
    ) -> tuple[EventKind, rules.Validity] | None:
        """The kind of a result on ``day`` (a verification while the instrument is Group 2 that day, else a
        calibration) and the validity the domain's rule gives it; None when it may not be recorded."""
        key = (model.rule_key, day, result)
        known = self._outcomes.get(key, MISSING)
        if known is MISSING:
            group2 = controls.rule_of(model.template, day) is not None
            kind = EventKind.VERIFICATION_PERIODIC if group2 else EventKind.CALIBRATION
            try:
                known = (group2, rules.validity(model.template, kind, result, day, None))
            except ServiceError:  # not Group 2 that day and no interval: no result recorded then
                known = None
            self._outcomes[key] = known
        if known is None:
            return None
        group2, validity = known
        if not group2:
            return EventKind.CALIBRATION, validity
        return EventKind.VERIFICATION_INITIAL if first else EventKind.VERIFICATION_PERIODIC, validity


def generate(
    actor: Actor,
    instruments: int,
    *,
    seed: int = 15,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Counts:
    """Add ``instruments`` synthetic instruments (and their organisations and events) to the database;
    flushes, the caller commits. ``progress`` is told how many instruments each batch wrote. Only the
    system (the command line, the benchmark) generates: the rows are written past the services' checks."""
    if not isinstance(actor, SystemActor):
        # A programming error, not a user's: no page or API call reaches this function.
        raise TypeError("generate() is run by the system (the command line, a benchmark), never by a user")
    generator = Generator(actor, seed=seed, today=today or local_today())
    counts = Counts()
    owners = generator.organisations(max(10, round(instruments / PER_ORGANISATION)))
    counts.organisations = len(owners)
    cumulative = list(itertools.accumulate(owner.size for owner in owners))
    db.session.flush()
    # The next batch is made (Python, in a thread) while this one is written (PostgreSQL, in its own
    # process): on two cores, both at once. The ids are taken here, on the session's connection.
    sizes = list(_batches(instruments))
    with ThreadPoolExecutor(max_workers=1) as maker:
        ids = generator.items.ids(sizes[0]) if sizes else []
        pending = maker.submit(generator.prepare, owners, cumulative, ids)
        for position, size in enumerate(sizes):
            items, events = pending.result()
            done = ids
            if position + 1 < len(sizes):
                ids = generator.items.ids(sizes[position + 1])
                pending = maker.submit(generator.prepare, owners, cumulative, ids)
            generator.write(done, items, events)
            counts.instruments += len(items)
            counts.events += len(events)
            if progress is not None:
                progress(size)
    # The planner's statistics, as autovacuum would refresh them later: the pages are planned for the new
    # sizes at once.
    for table in ("organisations", "items", "events"):
        db.session.execute(text(f"ANALYZE {table}"))
    return counts


def _batches(total: int) -> Iterator[int]:
    while total > 0:
        yield min(BATCH, total)
        total -= BATCH
