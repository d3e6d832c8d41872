"""The expert's forms on software certificates: issuing one, revoking one."""

import colander
import deform

from ..i18n import _
from ..services.certificates import MIN_PASSWORD_LENGTH
from .base import CSRFSchema

#: RFC 5280 reasons the expert may give, in French.
REASON_LABELS = {
    "cessation_of_operation": _("Fin de la participation à l'expertise"),
    "superseded": _("Remplacé par un nouvel accès"),
    "key_compromise": _("Fichier ou mot de passe perdu ou divulgué"),
    "unspecified": _("Autre motif"),
}


@colander.deferred
def _holder_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", _("— Choisir —")), *kw["holders"]])


@colander.deferred
def _known_holder(node, kw):
    known = {account_id for account_id, _name in kw["holders"]}

    def validate(node, value):
        if value not in known:
            raise colander.Invalid(node, _("Choisissez un participant de la liste."))

    return validate


class IssueCertificateSchema(CSRFSchema):
    account_id = colander.SchemaNode(colander.String(), title=_("Participant"), widget=_holder_widget,
                                     validator=_known_holder)
    password = colander.SchemaNode(
        colander.String(), title=_("Mot de passe du fichier"),
        widget=deform.widget.CheckedPasswordWidget(redisplay=False),
        validator=colander.Length(min=MIN_PASSWORD_LENGTH, min_err=_("${min} caractères au moins.")),
        description=_("Le fichier PKCS#12 est chiffré avec ce mot de passe : communiquez-le au participant par "
                      "un autre moyen que le fichier (téléphone, SMS)."),
    )


class RevokeCertificateSchema(CSRFSchema):
    serial = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget())
    reason = colander.SchemaNode(
        colander.String(), title=_("Motif"), validator=colander.OneOf(list(REASON_LABELS)),
        widget=deform.widget.SelectWidget(values=list(REASON_LABELS.items())),
    )
