"""Catalogue pages: every logged-in user may read the legal catalogue and the administrative units; only
the department_admin edits them (DESIGN §3: "the catalogue")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.auth import policy
from registry.auth.policy import Permission
from registry.catalogue import services
from registry.catalogue.forms import CatalogueFilterForm, InstrumentTypeForm, LegalRuleForm
from registry.catalogue.history import type_history
from registry.catalogue.labels import CONFIDENCE_LABELS, CONTROL_LABELS, LEVEL_LABELS, quantity_label
from registry.catalogue.models import CONTROLS, InstrumentType, LegalRule
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.core.export import FORMATS, Column, export_response
from registry.core.forms import apply_service_error, form_status, submitted
from registry.extensions import db
from registry.i18n import format_day

bp = Blueprint("catalogue", __name__)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "control_labels": CONTROL_LABELS,
        "confidence_labels": CONFIDENCE_LABELS,
        "level_labels": LEVEL_LABELS,
        "quantity_label": quantity_label,
    }


@bp.route("/catalogue/")
@login_required
def index() -> Response | tuple[str, int]:
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        abort(400)
    form = CatalogueFilterForm(request.args)
    form.quantity.choices = [("", _("All quantities"))] + [
        (quantity, quantity_label(quantity)) for quantity in services.quantities()
    ]
    instrument_types: list[InstrumentType] = []
    if form.validate():
        try:
            stmt = services.search_instrument_types(form.q.data, form.quantity.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            instrument_types = list(db.session.scalars(stmt.order_by(InstrumentType.code)))
    day = form.on.data or local_today()
    if fmt and form.validate():
        return export_response(fmt, f"catalogue-{day.isoformat()}", export_columns(day), instrument_types)
    return render_template(
        "catalogue/index.html",
        form=form,
        instrument_types=instrument_types,
        day=day,
        can_edit=may_edit_catalogue(),
    ), form_status(form)


def export_columns(day: date) -> list[Column]:
    """The catalogue as a spreadsheet: the rule in force on ``day`` for each type, verify marks included."""

    def rule_value(name: str) -> Callable[[InstrumentType], Any]:
        def value(instrument_type: InstrumentType) -> Any:
            rule = instrument_type.rule_on(day)
            return getattr(rule, name) if rule is not None else None

        return value

    return [
        Column(_l("Code"), lambda t: t.code, 26),
        Column(_l("Name"), lambda t: t.name_vi if get_locale_code() == "vi" else t.name_en, 48),
        Column(_l("Quantity"), lambda t: quantity_label(t.quantity), 18),
        Column(_l("Cycle"), rule_value("cycle_months"), 10),
        Column(_l("Controls"), rule_value("controls"), 14),
        Column(_l("Legal basis"), rule_value("basis_in_words"), 30),
        Column(_l("To be verified"), lambda t: _("yes") if t.needs_verification else "", 12),
    ]


def get_locale_code() -> str:
    return str(get_locale() or "vi")


def may_edit_catalogue() -> bool:
    return policy.permits(current_user, InstrumentType, Permission.CHANGE)


@bp.route("/catalogue/<code>")
@login_required
def detail(code: str) -> str:
    instrument_type = services.find_instrument_type(code)
    return render_template(
        "catalogue/detail.html",
        instrument_type=instrument_type,
        rules=sorted(instrument_type.rules, key=lambda rule: rule.effective_from),
        current_rule=instrument_type.rule_on(local_today()),
        history=type_history(instrument_type),
        can_edit=may_edit_catalogue(),
    )


@bp.route("/catalogue/<code>/edit", methods=["GET", "POST"])
@login_required
def edit_type(code: str) -> Response | tuple[str, int]:
    instrument_type = services.type_to_edit(current_user, code)
    form = InstrumentTypeForm(obj=instrument_type)
    if submitted(
        form,
        lambda: services.update_instrument_type(
            current_user,
            instrument_type,
            reason=form.reason.data,
            version=form.version.data,
            name_vi=form.name_vi.data or "",
            name_en=form.name_en.data or "",
            quantity=form.quantity.data or "",
        ),
    ):
        flash(_("Changes saved."), "success")
        return redirect(url_for(".detail", code=instrument_type.code))
    return render_template(
        "catalogue/type_form.html",
        form=form,
        instrument_type=instrument_type,
        quantities=services.quantities(),
    ), form_status(form)


def _rule_form_data(rule: LegalRule) -> dict[str, Any]:
    return {
        "controls": [code for code in CONTROLS if code in rule.control_set],
        "cycle_months": rule.cycle_months,
        "legal_basis": rule.legal_basis,
        "effective_from": rule.effective_from,
        "effective_to": rule.effective_to,
        "confidence": rule.confidence,
        "note": rule.note,
        "version": rule.version,
    }


@bp.route("/catalogue/<code>/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@login_required
def edit_rule(code: str, rule_id: int) -> Response | tuple[str, int]:
    rule = services.rule_to_edit(current_user, code, rule_id)
    instrument_type = rule.instrument_type
    form = LegalRuleForm(data=_rule_form_data(rule))
    if submitted(form, lambda: services.update_legal_rule(current_user, rule, **form.values())):
        flash(_("Changes saved."), "success")
        return redirect(url_for(".detail", code=instrument_type.code))
    return render_template(
        "catalogue/rule_form.html", form=form, instrument_type=instrument_type, rule=rule
    ), form_status(form)


@bp.route("/catalogue/<code>/rules/new", methods=["GET", "POST"])
@login_required
def new_rule(code: str) -> Response | tuple[str, int]:
    instrument_type = services.type_to_edit(current_user, code)
    form = LegalRuleForm(data={"confidence": "source", "version": instrument_type.version})
    rule = submitted(form, lambda: services.add_rule_period(current_user, instrument_type, **form.values()))
    if rule:
        flash(_("Rule period from %(day)s added.", day=format_day(rule.effective_from)), "success")
        return redirect(url_for(".detail", code=instrument_type.code))
    return render_template(
        "catalogue/rule_form.html", form=form, instrument_type=instrument_type, rule=None
    ), form_status(form)


@bp.route("/admin-units/")
@login_required
def admin_units() -> str:
    return render_template("catalogue/admin_units.html", units=services.admin_units(), today=local_today())
