"""The registration form of a first connection: the core's fields, then the
plugins' (``opalexe_registration_fields_collect``)."""

import colander

from ..i18n import _
from .base import CSRFSchema, name_node, squash

#: The core's fields; any other field of the form is a plugin's.
CORE_FIELDS = ("csrf_token", "first_name", "last_name", "email")


class RegistrationSchema(CSRFSchema):
    first_name = name_node(_("Prénom"))
    last_name = name_node(_("Nom"))
    email = colander.SchemaNode(
        colander.String(), title=_("Adresse électronique"), preparer=squash,
        description=_("Les avis de dépôt et les messages de la plateforme y sont envoyés."),
        validator=colander.Email(msg=_("Adresse électronique invalide.")),
    )


def registration_schema(plugin_nodes) -> RegistrationSchema:
    schema = RegistrationSchema()
    for node in plugin_nodes:
        if node.name in CORE_FIELDS:
            raise ValueError(f"a plugin's registration field cannot be named {node.name!r}")
        schema.add(node.clone())
    return schema
