"""Closing a suspect: the shape of the input only; the service checks the decision and the reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField

from registry.core.forms import hint
from registry.events.suspects.labels import DECISION_LABELS


class AssessForm(FlaskForm):
    decision = SelectField(_l("Impact assessment"), validate_choice=False)
    reason = TextAreaField(_l("Reason"), render_kw=hint(required=True, max_length=2000))

    def set_choices(self) -> None:
        self.decision.choices = [
            SelectChoice("", str(_l("Choose…"))),
            *(SelectChoice(decision.value, str(text)) for decision, text in DECISION_LABELS.items()),
        ]
