from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from registry.core.forms import max_length, required

KIND_CHOICES = [
    SelectChoice("department", _l("Department")),
    SelectChoice("enterprise", _l("Enterprise")),
    SelectChoice("provider", _l("Service provider")),
]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrganisationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(40)])
    name = StringField(_l("Name"), validators=[required(), max_length(255)])
    kinds = CheckboxesField(_l("Kinds"), choices=KIND_CHOICES, validate_choice=False)


class OrganisationEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(255)])
    kinds = CheckboxesField(_l("Kinds"), choices=KIND_CHOICES, validate_choice=False)
    reason = TextAreaField(_l("Reason for the change"), validators=[required(), max_length(2000)])
    version = IntegerField(widget=HiddenField.widget)
