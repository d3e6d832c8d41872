"""Forms of documents: a withdrawal's reason, the choice of notifications."""

import colander
import deform

from ..i18n import _
from ..resources.notifications import Mode
from .base import CSRFSchema, squash


class WithdrawSchema(CSRFSchema):
    reason = colander.SchemaNode(
        colander.String(), title=_("Motif du retrait"), preparer=squash,
        description=_("Le document reste au dossier, consultable, avec ce motif, votre nom et la date du retrait."),
        widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(1, 500, min_err=_("Indiquez le motif du retrait."),
                                  max_err=_("${max} caractères au plus.")),
        missing=colander.required, missing_msg=_("Indiquez le motif du retrait."),
    )


NOTIFICATION_CHOICES = (
    (Mode.IMMEDIATE.value, _("Un message à chaque nouveau document")),
    (Mode.DIGEST.value, _("Un récapitulatif par jour")),
)


class NotificationSchema(CSRFSchema):
    mode = colander.SchemaNode(
        colander.String(), title=_("Comment voulez-vous être prévenu des nouveaux documents ?"),
        widget=deform.widget.RadioChoiceWidget(values=NOTIFICATION_CHOICES),
        validator=colander.OneOf([value for value, _label in NOTIFICATION_CHOICES]),
        missing_msg=_("Choisissez une façon d'être prévenu."),
    )
