"""The settings an administrator changes while the platform runs."""

from __future__ import annotations

from ..contract import SiteSettingsChanged, UserError
from ..i18n import _
from ..permissions import ADMIN
from .platform import Actor, Platform


def update_site_settings(platform: Platform, actor: Actor, *, platform_name: str, contact_email: str) -> None:
    root = platform.root
    platform.require(actor, ADMIN, root, _("Seul l'administrateur de la plateforme change ses paramètres."))
    try:
        root.settings.update(platform_name, contact_email)
    except ValueError:
        raise UserError(_("La plateforme doit avoir un nom."), "platform_name") from None
    platform.event(SiteSettingsChanged, actor, path=("parametres",), platform_name=root.settings.platform_name,
                   contact_email=root.settings.contact_email)
