"""The administrator's forms on accounts: adding one, disabling one."""

import colander
import deform

from ..i18n import _
from ..labels import PROFILE_LABELS
from .base import CSRFSchema, name_node, squash


def _known_profile(node, value):
    if value not in PROFILE_LABELS:
        raise colander.Invalid(node, _("Profil inconnu."))


class AccountSchema(CSRFSchema):
    first_name = name_node(_("Prénom"))
    last_name = name_node(_("Nom de famille"))
    email = colander.SchemaNode(
        colander.String(), title=_("Adresse électronique"), preparer=squash,
        validator=colander.Email(msg=_("Adresse électronique invalide.")),
    )
    profile = colander.SchemaNode(
        colander.String(),
        title=_("Profil"),
        widget=deform.widget.SelectWidget(values=[("", _("— Choisir —")), *PROFILE_LABELS.items()]),
        validator=_known_profile,
    )
    is_admin = colander.SchemaNode(
        colander.Boolean(), title=_("Administrateur de la plateforme"), missing=False, default=False
    )


class DisableAccountSchema(CSRFSchema):
    reason = colander.SchemaNode(
        colander.String(), title=_("Motif"), preparer=squash,
        validator=colander.Length(1, 300, min_err=_("Ce champ est obligatoire.")),
    )


class CourtSchema(CSRFSchema):
    """A magistrate's or clerk's court (empty: none)."""

    court_code = colander.SchemaNode(colander.String(), missing="", preparer=squash)
