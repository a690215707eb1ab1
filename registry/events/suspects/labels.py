"""The words for suspects' coded values, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.events.suspects.models import Decision, SuspectRule

RULE_LABELS = {
    SuspectRule.OUT_OF_TOLERANCE: _l("Standard found out of tolerance as found"),
    SuspectRule.FAILED: _l("Standard failed"),
    SuspectRule.OVERDUE: _l("Standard used while overdue"),
}
DECISION_LABELS = {
    Decision.NO_EFFECT: _l("No effect on the result"),
    Decision.RECALL: _l("Recall and re-verify"),
    Decision.CUSTOMER_INFORMED: _l("Customer informed"),
}
