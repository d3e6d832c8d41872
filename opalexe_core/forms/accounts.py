"""The administrator's form to add an account."""

import colander
import deform

from ..i18n import _
from ..labels import PROFILE_LABELS
from .base import CSRFSchema


@colander.deferred
def _unique_email(node, kw):
    accounts = kw["accounts"]

    def validate(node, value):
        if accounts.find_by_email(value) is not None:
            raise colander.Invalid(node, _("Un compte existe déjà avec cette adresse électronique."))

    return colander.All(colander.Email(msg=_("Adresse électronique invalide.")), validate)


def _known_profile(node, value):
    if value not in PROFILE_LABELS:
        raise colander.Invalid(node, _("Profil inconnu."))


class AccountSchema(CSRFSchema):
    first_name = colander.SchemaNode(colander.String(), title=_("Prénom"), validator=colander.Length(1, 100))
    last_name = colander.SchemaNode(colander.String(), title=_("Nom de famille"), validator=colander.Length(1, 100))
    email = colander.SchemaNode(colander.String(), title=_("Adresse électronique"), validator=_unique_email)
    profile = colander.SchemaNode(
        colander.String(),
        title=_("Profil"),
        widget=deform.widget.SelectWidget(values=[("", _("— Choisir —")), *PROFILE_LABELS.items()]),
        validator=_known_profile,
    )
    is_admin = colander.SchemaNode(
        colander.Boolean(), title=_("Administrateur de la plateforme"), missing=False, default=False
    )
