"""The plan's forms: the shape of the input only; the services check every rule."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from registry.core.forms import date_text, hint, version_field
from registry.plan.labels import KIND_LABELS


class ActivityForm(FlaskForm):
    kind = SelectField(_l("Kind of activity"), validate_choice=False)
    held_on = date_text(_l("Date"), required=True)
    title = StringField(_l("Title"), render_kw=hint(required=True, max_length=300))
    organisations = StringField(
        _l("Organisations involved (codes, separated by commas)"), render_kw=hint(max_length=4000)
    )
    participants = TextAreaField(
        _l("Participants, one a line: name | organisation | role"), render_kw={"rows": 6}
    )
    outlet = StringField(_l("Outlet (newspaper, site, channel)"), render_kw=hint(max_length=200))
    link = StringField(_l("Link"), render_kw=hint(max_length=500))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3})

    def set_choices(self) -> None:
        self.kind.choices = [
            SelectChoice("", str(_l("Choose…"))),
            *(SelectChoice(kind.value, str(text)) for kind, text in KIND_LABELS.items()),
        ]

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind.data,
            "held_on": self.held_on.data,
            "title": self.title.data,
            "organisations": self.organisations.data or "",
            "participants": self.participants.data or "",
            "outlet": self.outlet.data or "",
            "link": self.link.data or "",
            "notes": self.notes.data or "",
        }


class ActivityEditForm(ActivityForm):
    reason = TextAreaField(_l("Reason for the change"), render_kw=hint(required=True, max_length=2000))
    version = version_field()


class VoidForm(FlaskForm):
    reason = TextAreaField(_l("Reason for voiding"), render_kw=hint(required=True, max_length=2000))


class TargetForm(FlaskForm):
    target = StringField(_l("Target"), render_kw={"inputmode": "numeric"})
    reason = TextAreaField(_l("Reason for the change"), render_kw=hint(required=True, max_length=2000))
    version = version_field()


class SubmitForm(FlaskForm):
    as_of = date_text(_l("As of"), required=True)
    note = TextAreaField(_l("Note (optional)"), render_kw={"rows": 2, "maxlength": 2000})
