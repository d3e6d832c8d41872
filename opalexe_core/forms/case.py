"""The forms of a case's page: its participants, parties, paper service,
status, and a folder's exceptions to the rights matrix.

Choices (accounts, parties, folders, roles) are built from the case as it is
when the form is bound (``expertise`` and ``request``); a posted value
outside them (a forged party id, a forged role) is refused beside its field
before any service runs.
"""

from __future__ import annotations

import colander
import deform

from ..contract import IntervenantCapacity, PaperReason, PartyKind, PartySide, Profile, Right, Role, Status
from ..i18n import _
from ..labels import (
    CAPACITY_LABELS,
    PARTY_KIND_LABELS,
    PARTY_SIDE_LABELS,
    PROFILE_LABELS,
    ROLE_LABELS,
)
from .base import REQUIRED, CSRFSchema, name_node, squash


def one_of(message):
    """Refuse a value that is not among the widget's choices."""

    def validator(node, value):
        allowed = set()
        for choice in node.widget.values:
            options = getattr(choice, "options", None)
            allowed |= {str(v) for v, _label in options} if options is not None else {str(choice[0])}
        allowed.discard("")
        if value not in allowed:
            raise colander.Invalid(node, message)

    return validator


def _reason(title=_("Motif"), required=False):
    return colander.SchemaNode(
        colander.String(), title=title, preparer=squash, missing="" if not required else colander.required,
        validator=colander.Length(0 if not required else 1, 300, min_err=_("Ce champ est obligatoire."),
                                  max_err=_("${max} caractères au plus.")))


@colander.deferred
def _candidates(node, kw):
    """Active accounts that could take part and do not yet, by profile."""
    expertise, request = kw["expertise"], kw["request"]
    groups = []
    accounts = [a for a in request.opalexe_root.accounts.values()
                if a.active and a.id not in expertise.participants and a.profile != Profile.ADMINISTRATEUR]
    for profile in Profile:
        members = sorted((a for a in accounts if a.profile == profile), key=lambda a: (a.last_name.lower(),
                                                                                         a.first_name.lower()))
        if members:
            groups.append(deform.widget.OptGroup(PROFILE_LABELS[profile],
                                                 *[(a.id, f"{a.display_name} — {a.email}") for a in members]))
    return deform.widget.SelectWidget(values=[("", _("— Choisir —")), *groups])


@colander.deferred
def _parties(node, kw):
    return deform.widget.SelectWidget(values=[("", _("— Aucune (rôle sans partie) —")),
                                              *[(p.id, p.name) for p in kw["expertise"].parties]])


@colander.deferred
def _party_required(node, kw):
    return deform.widget.SelectWidget(values=[("", _("— Choisir —")),
                                              *[(p.id, p.name) for p in kw["expertise"].parties]])


ADDABLE_ROLES = [role for role in Role if role is not Role.EXPERT]


class AddParticipantSchema(CSRFSchema):
    account_id = colander.SchemaNode(colander.String(), title=_("Personne"), widget=_candidates,
                                     description=_("Choisie dans l'annuaire des comptes de la plateforme."),
                                     validator=one_of(_("Compte inconnu.")), missing_msg=REQUIRED)
    role = colander.SchemaNode(colander.String(), title=_("Rôle dans l'expertise"),
                               widget=deform.widget.SelectWidget(values=[("", _("— Choisir —")),
                                                                         *[(r.value, ROLE_LABELS[r])
                                                                           for r in ADDABLE_ROLES]]),
                               validator=one_of(_("Rôle inconnu.")), missing_msg=REQUIRED)
    party_id = colander.SchemaNode(colander.String(), title=_("Partie représentée"), missing="", widget=_parties,
                                   description=_("Pour un avocat ou un intervenant de partie."),
                                   validator=one_of(_("Partie inconnue.")))
    capacity = colander.SchemaNode(
        colander.String(), title=_("Qualité de l'intervenant"), missing="",
        widget=deform.widget.SelectWidget(values=[("", _("— Sans objet —")),
                                                  *[(c.value, CAPACITY_LABELS[c]) for c in IntervenantCapacity]]),
        description=_("Un expert d'assurance n'est admis que si aucune partie ne s'y oppose."),
        validator=one_of(_("Qualité inconnue.")),
    )


class ParticipantSchema(CSRFSchema):
    """One participant's row: deactivate (with a reason) or reactivate."""

    account_id = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget())
    reason = _reason()


class AddPartySchema(CSRFSchema):
    name = name_node(_("Nom de la partie"), 200, missing_msg=REQUIRED)
    side = colander.SchemaNode(colander.String(), title=_("Qualité"),
                               widget=deform.widget.SelectWidget(values=[("", _("— Choisir —")),
                                                                         *[(s.value, PARTY_SIDE_LABELS[s])
                                                                           for s in PartySide]]),
                               validator=one_of(_("Qualité inconnue.")), missing_msg=REQUIRED)
    kind = colander.SchemaNode(
        colander.String(), title=_("Nature"), default=PartyKind.MORALE.value,
        widget=deform.widget.RadioChoiceWidget(values=[(k.value, PARTY_KIND_LABELS[k]) for k in PartyKind]),
        validator=colander.OneOf([k.value for k in PartyKind], msg_err=_("Nature inconnue.")), missing_msg=REQUIRED)


class PaperSchema(CSRFSchema):
    """Flag a party served on paper (its reason), or clear the flag."""

    party_id = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget())
    reason = colander.SchemaNode(colander.String(), missing="", validator=colander.OneOf(
        ["", *[r.value for r in PaperReason]], msg_err=_("Motif inconnu.")))
    note = _reason(_("Précision"))


class StatusSchema(CSRFSchema):
    status = colander.SchemaNode(colander.String(), validator=colander.OneOf([s.value for s in Status],
                                                                             msg_err=_("Statut inconnu.")),
                                                                             missing_msg=REQUIRED)


@colander.deferred
def _insurers(node, kw):
    request = kw["request"]
    people = sorted((a for a in request.opalexe_root.accounts.values()
                     if a.profile == Profile.INTERVENANT and a.active),
                    key=lambda a: (a.last_name.lower(), a.first_name.lower()))
    return deform.widget.SelectWidget(values=[("", _("— Choisir —")),
                                              *[(a.id, f"{a.display_name} — {a.email}") for a in people]])


class ObjectionSchema(CSRFSchema):
    party_id = colander.SchemaNode(colander.String(), title=_("Partie qui s'oppose"), widget=_party_required,
                                   validator=one_of(_("Partie inconnue.")), missing_msg=REQUIRED)
    account_id = colander.SchemaNode(colander.String(), title=_("Expert d'assurance refusé"), widget=_insurers,
                                     validator=one_of(_("Compte inconnu.")), missing_msg=REQUIRED)
    reason = _reason()


@colander.deferred
def _members(node, kw):
    expertise, request = kw["expertise"], kw["request"]
    accounts = request.opalexe_root.accounts
    values = [("", _("— Choisir —"))]
    for participant in expertise.participants.values():
        if participant.role is Role.EXPERT:
            continue
        account = accounts.get(participant.account_id)
        name = account.display_name if account is not None else participant.account_id
        role = request.localizer.translate(ROLE_LABELS[participant.role])
        values.append((participant.account_id, f"{name} — {role}"))
    return deform.widget.SelectWidget(values=values)


class GrantSchema(CSRFSchema):
    """One participant's access to this folder, beyond the matrix."""

    account_id = colander.SchemaNode(colander.String(), title=_("Participant"), widget=_members,
                                     validator=one_of(_("Ce compte ne participe pas à l'expertise.")),
                                     missing_msg=REQUIRED)
    right = colander.SchemaNode(
        colander.String(), title=_("Accès à ce coffre"),
        widget=deform.widget.SelectWidget(values=[
            ("", _("— Choisir —")), (Right.READ.value, _("Lecture")), (Right.DEPOSIT.value, _("Lecture et dépôt")),
            (Right.NONE.value, _("Aucun accès (retirer)"))]),
        validator=one_of(_("Droit inconnu.")), missing_msg=REQUIRED)
