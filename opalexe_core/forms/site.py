"""The administrator's form for the site settings (name, support address)."""

import colander

from ..i18n import _
from .base import CSRFSchema, squash


class SiteSettingsSchema(CSRFSchema):
    platform_name = colander.SchemaNode(
        colander.String(),
        title=_("Nom de la plateforme"),
        description=_("Affiché dans le bandeau et le titre de chaque page."),
        preparer=squash,
        validator=colander.Length(1, 80, min_err=_("Ce champ est obligatoire."), max_err=_("80 caractères au plus.")),
    )
    contact_email = colander.SchemaNode(
        colander.String(),
        title=_("Adresse de contact du support"),
        description=_("Affichée au pied de chaque page ; laissez vide pour ne pas en afficher."),
        preparer=squash,
        missing="",
        validator=colander.Email(msg=_("Adresse électronique invalide.")),
    )
