"""French labels (message ids) of the domain's enumerations: labels only
display the vocabulary of :mod:`opalexe_core.contract`, they never define it."""

from .contract import (
    CourtKind,
    IntervenantCapacity,
    PaperReason,
    PartyKind,
    PartySide,
    Profile,
    Right,
    Role,
    SaisineStatus,
    Status,
)
from .i18n import _

ROLE_LABELS = {
    Role.EXPERT: _("Expert"),
    Role.CO_EXPERT: _("Co-expert"),
    Role.SAPITEUR: _("Sapiteur"),
    Role.MAGISTRAT: _("Magistrat"),
    Role.GREFFIER: _("Greffier"),
    Role.AVOCAT: _("Avocat"),
    Role.INTERVENANT: _("Intervenant de partie"),
    Role.MEDIATEUR: _("Médiateur"),
}

#: An account's profile: what the person is on the platform, whatever case.
PROFILE_LABELS = {
    Profile.EXPERT: _("Expert judiciaire"),
    Profile.MAGISTRAT: _("Magistrat"),
    Profile.GREFFIER: _("Greffier"),
    Profile.AVOCAT: _("Avocat"),
    Profile.INTERVENANT: _("Intervenant de partie"),
    Profile.MEDIATEUR: _("Médiateur"),
    Profile.ADMINISTRATEUR: _("Administrateur de la plateforme"),
}

STATUS_LABELS = {
    Status.CREEE: _("Créée"),
    Status.EN_COURS: _("En cours"),
    Status.TERMINEE: _("Terminée"),
    Status.ARCHIVEE: _("Archivée"),
}

KIND_LABELS = {
    CourtKind.TJ: _("Tribunal judiciaire"),
    CourtKind.TC: _("Tribunal de commerce"),
    CourtKind.CA: _("Cour d'appel"),
    CourtKind.TA: _("Tribunal administratif"),
    CourtKind.CAA: _("Cour administrative d'appel"),
}

PARTY_SIDE_LABELS = {
    PartySide.DEMANDEUR: _("demandeur"),
    PartySide.DEFENDEUR: _("défendeur"),
    PartySide.INTERVENANT: _("intervenant"),
}

PARTY_KIND_LABELS = {
    PartyKind.PHYSIQUE: _("personne physique"),
    PartyKind.MORALE: _("personne morale"),
}

PAPER_REASON_LABELS = {
    PaperReason.REFUS: _("refus de la dématérialisation"),
    PaperReason.ABSENTE: _("partie absente"),
    PaperReason.DEFAILLANTE: _("partie défaillante"),
}

RIGHT_LABELS = {
    Right.NONE: _("Aucun accès"),
    Right.READ: _("Lecture"),
    Right.DEPOSIT: _("Lecture et dépôt"),
}

CAPACITY_LABELS = {
    IntervenantCapacity.PARTIE: _("la partie elle-même"),
    IntervenantCapacity.CONSEIL: _("conseil technique de la partie"),
    IntervenantCapacity.ASSUREUR: _("expert de l'assureur de la partie"),
}

SAISINE_STATUS_LABELS = {
    SaisineStatus.ENVOYEE: _("En attente de réponse"),
    SaisineStatus.ACCEPTEE: _("Acceptée"),
    SaisineStatus.REFUSEE: _("Refusée"),
}

#: The action that moves a case to each status, as its button says.
STATUS_ACTIONS = {
    Status.EN_COURS: _("Passer l'expertise « En cours »"),
    Status.TERMINEE: _("Terminer l'expertise"),
    Status.ARCHIVEE: _("Archiver l'expertise"),
}

#: What moving to each status means, said beside its button.
STATUS_EFFECTS = {
    Status.EN_COURS: _("Les opérations commencent ; la facturation de l'expertise débute."),
    Status.TERMINEE: _("Plus aucun dépôt ne sera possible ; les coffres restent lisibles."),
    Status.ARCHIVEE: _("L'expertise ne changera plus ; elle reste lisible par ses participants."),
}


_ALL = {}
for _table in (ROLE_LABELS, PROFILE_LABELS, STATUS_LABELS, KIND_LABELS, PARTY_SIDE_LABELS, PARTY_KIND_LABELS,
               PAPER_REASON_LABELS, RIGHT_LABELS, CAPACITY_LABELS, SAISINE_STATUS_LABELS):
    _ALL.update({(type(member), member): text for member, text in _table.items()})


def label(member):
    """The French label (a message id of the ``opalexe`` domain, translated
    when rendered) of a member of the vocabulary: a Role, Profile, Status…"""
    return _ALL[(type(member), member)]
