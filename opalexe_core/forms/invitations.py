"""The expert's form inviting a participant by e-mail."""

import colander
import deform

from ..i18n import _
from ..labels import ROLE_LABELS
from ..services.invitations import INVITABLE_ROLES
from .base import CSRFSchema, name_node, squash


@colander.deferred
def _party_widget(node, kw):
    parties = [(party.id, party.name) for party in kw["expertise"].parties]
    return deform.widget.SelectWidget(values=[("", _("— Aucune —")), *parties])


@colander.deferred
def _known_party(node, kw):
    known = {party.id for party in kw["expertise"].parties}

    def validate(node, value):
        if value and value not in known:
            raise colander.Invalid(node, _("Partie inconnue."))

    return validate


def _invitable(node, value):
    if value not in {role.value for role in INVITABLE_ROLES}:
        raise colander.Invalid(node, _("Choisissez le rôle du participant."))


class InvitationSchema(CSRFSchema):
    email = colander.SchemaNode(
        colander.String(), title=_("Adresse électronique"), preparer=squash,
        validator=colander.Email(msg=_("Adresse électronique invalide.")),
        description=_("L'invitation et, pour un nouveau compte, le mot de passe y sont envoyés."),
    )
    first_name = name_node(_("Prénom"))
    last_name = name_node(_("Nom de famille"))
    role = colander.SchemaNode(
        colander.String(), title=_("Rôle dans l'expertise"), validator=_invitable,
        widget=deform.widget.SelectWidget(
            values=[("", _("— Choisir —")), *((role.value, ROLE_LABELS[role]) for role in INVITABLE_ROLES)]),
    )
    party_id = colander.SchemaNode(
        colander.String(), title=_("Partie représentée"), missing=None, widget=_party_widget,
        validator=_known_party,
        description=_("Obligatoire pour un intervenant de partie ou un avocat."),
    )
