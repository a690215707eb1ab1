"""The plan's pages: the Department's indicator dashboard, the rows behind each number, the reports, the
targets, and the activities (list, record, change, void)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as Redirect

from registry.auth import policy
from registry.auth.policy import Permission
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.core.forms import form_status, submitted
from registry.core.validation import clean_whole_number
from registry.extensions import db
from registry.plan import activities, labels, services, submissions
from registry.plan.figures import registry_figures
from registry.plan.forms import ActivityEditForm, ActivityForm, SubmitForm, TargetForm, VoidForm
from registry.plan.models import Activity, ActivityKind, Indicator, Plan
from registry.plan.reports import FORMATS, report
from registry.plan.tallies import rows_of, tally
from registry.plan.trends import trends

bp = Blueprint("plan", __name__, url_prefix="/plan")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"plan_labels": labels}


def _plan_and_day() -> tuple[Plan, Any]:
    code = request.args.get("plan") or services.DEFAULT_PLAN
    plan = services.get_plan(current_user, code)
    try:
        as_of = services.parse_as_of(request.args.get("as_of"))
    except ServiceError:
        abort(400)
    return plan, as_of


@bp.route("/")
@login_required
def dashboard() -> str:
    """Each indicator with its target, achieved value, progress and pace; the downloads."""
    plan, as_of = _plan_and_day()
    rows = services.tallies(current_user, plan, as_of)
    return render_template(
        "plan/dashboard.html",
        plan=plan,
        plans=services.visible_plans(current_user),
        as_of=as_of,
        today=local_today(),
        rows=rows,
        trends=trends(plan, rows, as_of),
        figures=registry_figures(current_user, plan, local_today()),
        can_edit_targets=policy.permits(current_user, plan, Permission.CHANGE),
        submit_form=SubmitForm(data={"as_of": as_of.isoformat()})
        if policy.permits(current_user, plan, Permission.SUBMIT)
        else None,
    )


@bp.route("/<plan_code>/indicators/<int:indicator_id>")
@login_required
def counted(plan_code: str, indicator_id: int) -> str:
    """The rows behind a number: all of an indicator's, or one year's, ownership class's or district's."""
    plan = services.get_plan(current_user, plan_code)
    indicator = services.get_indicator(current_user, plan, indicator_id)
    try:
        as_of = services.parse_as_of(request.args.get("as_of"))
        year = clean_whole_number(request.args.get("year"), field="year")
    except ServiceError:
        abort(400)
    ownership = request.args.get("ownership") or None
    district = request.args.get("district") or None
    return render_template(
        "plan/counted.html",
        plan=plan,
        indicator=indicator,
        as_of=as_of,
        result=tally(indicator, as_of),
        rows=rows_of(indicator, as_of, year=year, ownership_class=ownership, district=district),
        filters={"year": year, "ownership": ownership, "district": district},
    )


@bp.route("/<plan_code>/report.<fmt>")
@login_required
def download(plan_code: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    plan = services.get_plan(current_user, plan_code)
    try:
        as_of = services.parse_as_of(request.args.get("as_of"))
    except ServiceError:
        abort(400)
    body, media_type, filename = report(current_user, plan, as_of, fmt)
    return Response(
        body, mimetype=media_type, headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


@bp.route("/<plan_code>/submissions/", methods=["GET", "POST"])
@login_required
def submission_list(plan_code: str) -> Redirect | tuple[str, int]:
    """The reports submitted for the plan; POST: the Department's admin submits (freezes) one."""
    posted = request.method == "POST"
    plan = services.get_plan(current_user, plan_code, Permission.SUBMIT if posted else Permission.VIEW)
    form = SubmitForm()
    if posted:
        created = submitted(
            form, lambda: submissions.submit(current_user, plan, form.as_of.data, form.note.data)
        )
        if created:
            flash(_("Report submitted: its figures and files are frozen."), "success")
            return redirect(url_for(".submission_detail", plan_code=plan.code, submission_id=created.id))
    rows = submissions.visible_submissions(current_user, plan)
    return render_template("plan/submissions.html", plan=plan, rows=rows, form=form), form_status(form)


@bp.route("/<plan_code>/submissions/<int:submission_id>")
@login_required
def submission_detail(plan_code: str, submission_id: int) -> str:
    """A submitted report's frozen figures beside the live tally for the same day."""
    plan = services.get_plan(current_user, plan_code)
    submission = submissions.get_submission(current_user, plan, submission_id)
    return render_template(
        "plan/submission.html", plan=plan, submission=submission, rows=submissions.compare(submission)
    )


@bp.route("/<plan_code>/submissions/<int:submission_id>/indicators/<int:indicator_id>")
@login_required
def submission_rows(plan_code: str, submission_id: int, indicator_id: int) -> str:
    """Which rows make the live tally differ from the submitted one."""
    plan = services.get_plan(current_user, plan_code)
    submission = submissions.get_submission(current_user, plan, submission_id)
    indicator = services.get_indicator(current_user, plan, indicator_id)
    now, then = submissions.differing_rows(submission, indicator)
    return render_template(
        "plan/submission_rows.html",
        plan=plan,
        submission=submission,
        indicator=indicator,
        frozen=submissions.figures(submission).get((indicator.code, indicator.period)),
        live=tally(indicator, submission.as_of).actual,
        added=now,
        removed=then,
    )


@bp.route("/<plan_code>/submissions/<int:submission_id>/report.<fmt>")
@login_required
def submission_download(plan_code: str, submission_id: int, fmt: str) -> Response:
    """A submitted file, byte for byte as it was submitted."""
    if fmt not in FORMATS:
        abort(404)
    plan = services.get_plan(current_user, plan_code)
    submission = submissions.get_submission(current_user, plan, submission_id)
    body, media_type, filename = submissions.frozen_file(submission, fmt)
    return Response(
        body, mimetype=media_type, headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


@bp.route("/<plan_code>/indicators/<int:indicator_id>/target", methods=["GET", "POST"])
@login_required
def target(plan_code: str, indicator_id: int) -> Redirect | tuple[str, int]:
    plan = services.get_plan(current_user, plan_code, Permission.CHANGE)
    indicator: Indicator = services.get_indicator(current_user, plan, indicator_id)
    form = TargetForm(data={"target": indicator.target, "version": indicator.version})
    saved = submitted(
        form,
        lambda: services.change_target(
            current_user, indicator, form.target.data, reason=form.reason.data, version=form.version.data
        ),
    )
    if saved:
        flash(_("Target changed."), "success")
        return redirect(url_for(".dashboard", plan=plan.code))
    return render_template("plan/target.html", plan=plan, indicator=indicator, form=form), form_status(form)


@bp.route("/activities/")
@login_required
def activity_list() -> str:
    kind = request.args.get("kind") or None
    if kind and kind not in {k.value for k in ActivityKind}:
        abort(400)
    stmt = activities.visible_activities(current_user, kind=kind)
    rows = list(db.session.scalars(stmt.order_by(Activity.held_on.desc(), Activity.id.desc()).limit(500)))
    return render_template("plan/activities.html", rows=rows, kind=kind)


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def activity_new() -> Redirect | tuple[str, int]:
    activities.check_may_record(current_user)
    form = ActivityForm()
    form.set_choices()
    created = submitted(form, lambda: activities.create_activity(current_user, **form.values()))
    if created:
        flash(_("Activity recorded."), "success")
        return redirect(url_for(".activity_detail", activity_id=created.id))
    return render_template("plan/activity_form.html", form=form, activity=None), form_status(form)


@bp.route("/activities/<int:activity_id>")
@login_required
def activity_detail(activity_id: int) -> str:
    activity = activities.get_activity(current_user, activity_id)
    return render_template("plan/activity.html", activity=activity, void_form=VoidForm())


def _form_values(activity: Activity) -> dict[str, Any]:
    return {
        "kind": activity.kind,
        "held_on": activity.held_on.isoformat(),
        "title": activity.title,
        "organisations": ", ".join(organisation.code for organisation in activity.organisations),
        "participants": "\n".join(
            " | ".join((person.name, person.organisation, person.role)).rstrip(" |")
            for person in activity.participants
        ),
        "outlet": activity.outlet,
        "link": activity.link,
        "notes": activity.notes,
        "version": activity.version,
    }


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def activity_edit(activity_id: int) -> Redirect | tuple[str, int]:
    activity = activities.get_activity(current_user, activity_id, Permission.CHANGE)
    form = ActivityEditForm(data=_form_values(activity))
    form.set_choices()
    saved = submitted(
        form,
        lambda: activities.update_activity(
            current_user, activity, form.values(), reason=form.reason.data, version=form.version.data
        ),
    )
    if saved:
        flash(_("Changes saved."), "success")
        return redirect(url_for(".activity_detail", activity_id=activity.id))
    return render_template("plan/activity_form.html", form=form, activity=activity), form_status(form)


@bp.route("/activities/<int:activity_id>/void", methods=["POST"])
@login_required
def activity_void(activity_id: int) -> Redirect | tuple[str, int]:
    activity = activities.get_activity(current_user, activity_id, Permission.CHANGE)
    form = VoidForm()
    if submitted(form, lambda: activities.void_activity(current_user, activity, reason=form.reason.data)):
        flash(_("Activity voided: it stays on record and counts nowhere."), "success")
        return redirect(url_for(".activity_detail", activity_id=activity.id))
    return render_template("plan/activity.html", activity=activity, void_form=form), form_status(form)
