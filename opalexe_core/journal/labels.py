"""French labels of the journal's actions and outcomes (message ids of the
``opalexe`` domain)."""

from ..i18n import _

ACTION_LABELS = {
    "page.viewed": _("Consultation"),
    "file.downloaded": _("Téléchargement"),
    "form.submitted": _("Envoi d'un formulaire"),
    "login.attempted": _("Tentative de connexion"),
    "request.refused": _("Requête refusée"),
    "login.opened": _("Connexion"),
    "login.closed": _("Déconnexion"),
    "account.created": _("Création d'un compte"),
    "account.registered": _("Inscription"),
    "account.disabled": _("Désactivation d'un compte"),
    "account.enabled": _("Réactivation d'un compte"),
    "site.settings_changed": _("Paramètres de la plateforme"),
    "expertise.created": _("Création de l'expertise"),
    "participant.added": _("Ajout d'un participant"),
    "expertise.status_changed": _("Changement de statut"),
    "document.deposited": _("Dépôt d'un document"),
    "document.received": _("Première lecture d'un document"),
    "journal.head_signed": _("Signature du journal"),
}

OUTCOME_LABELS = {"allowed": _("Autorisé"), "refused": _("Refusé")}

METHOD_LABELS = {
    "anonymous": _("non connecté"),
    "certificate": _("certificat"),
    "password_code": _("mot de passe et code"),
    "demo": _("démonstration"),
    "cli": _("ligne de commande"),
    "platform": _("plateforme"),
}


def action_label(action: str):
    return ACTION_LABELS.get(action, action)
