"""The administrator's form publishing a version of the terms of use."""

import colander
import deform

from ..i18n import _
from .base import CSRFSchema, squash


class TermsSchema(CSRFSchema):
    version = colander.SchemaNode(
        colander.String(), title=_("Version"), preparer=squash,
        description=_("Par exemple v202406-01 : elle identifie ce texte dans chaque acceptation enregistrée."),
        validator=colander.Length(1, 40, min_err=_("Ce champ est obligatoire."),
                                  max_err=_("${max} caractères au plus.")),
    )
    title = colander.SchemaNode(
        colander.String(), title=_("Titre"), preparer=squash, missing="",
        validator=colander.Length(0, 200, max_err=_("${max} caractères au plus.")),
    )
    effective_on = colander.SchemaNode(
        colander.Date(), title=_("Entrée en vigueur"), widget=deform.widget.DateInputWidget(),
        description=_("Quatre mois au moins après la publication quand une version est déjà en vigueur."),
    )
    text = colander.SchemaNode(
        colander.String(), title=_("Texte"), widget=deform.widget.TextAreaWidget(rows=16),
        validator=colander.Length(1, 200_000, min_err=_("Ce champ est obligatoire."),
                                  max_err=_("${max} caractères au plus.")),
    )
