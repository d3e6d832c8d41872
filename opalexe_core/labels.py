"""French labels (message ids) of the domain's enumerations."""

from .contract import Role
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
    "expert": _("Expert judiciaire"),
    "magistrat": _("Magistrat"),
    "greffier": _("Greffier"),
    "avocat": _("Avocat"),
    "intervenant": _("Intervenant de partie"),
    "mediateur": _("Médiateur"),
    "administrateur": _("Administrateur de la plateforme"),
}

STATUS_LABELS = {
    "creee": _("Créée"),
    "en_cours": _("En cours"),
    "terminee": _("Terminée"),
    "archivee": _("Archivée"),
}

#: Kinds of court in the jurisdictions directory.
KIND_LABELS = {
    "TJ": _("Tribunal judiciaire"),
    "TC": _("Tribunal de commerce"),
    "CA": _("Cour d'appel"),
    "TA": _("Tribunal administratif"),
    "CAA": _("Cour administrative d'appel"),
}

PARTY_SIDE_LABELS = {
    "demandeur": _("demandeur"),
    "defendeur": _("défendeur"),
    "intervenant": _("intervenant"),
}

RIGHT_LABELS = {
    "none": _("Aucun accès"),
    "read": _("Lecture"),
    "deposit": _("Lecture et dépôt"),
}
