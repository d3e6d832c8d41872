"""The journal's filters (a GET form: it changes nothing) and the
administrator's « Signer maintenant »."""

import colander
import deform

from ..i18n import _
from ..journal.labels import ACTION_LABELS
from .base import CSRFSchema


def _choices(values, label):
    return [("", label), *values]


def _date_node(title):
    return colander.SchemaNode(colander.Date(), title=title, missing=None,
                               widget=deform.widget.TextInputWidget(attributes={"type": "date"}))


@colander.deferred
def _participants_widget(node, kw):
    return deform.widget.SelectWidget(values=_choices(kw.get("participants", []), _("Tous")))


@colander.deferred
def _participant_validator(node, kw):
    return colander.OneOf([""] + [key for key, _label in kw.get("participants", [])],
                          msg_err=_("Participant inconnu."))


class JournalFilterSchema(colander.MappingSchema):
    """By participant, action and dates (days of Paris)."""

    account = colander.SchemaNode(colander.String(), title=_("Participant"), missing="",
                                  widget=_participants_widget, validator=_participant_validator)
    action = colander.SchemaNode(
        colander.String(), title=_("Action"), missing="",
        widget=deform.widget.SelectWidget(values=_choices(list(ACTION_LABELS.items()), _("Toutes"))),
        validator=colander.OneOf(["", *ACTION_LABELS], msg_err=_("Action inconnue.")),
    )
    since = _date_node(_("Du"))
    until = _date_node(_("Au"))

    def validator(self, node, value):
        if value.get("since") and value.get("until") and value["since"] > value["until"]:
            raise colander.Invalid(node, _("La date de début doit précéder la date de fin."))


class AdminJournalFilterSchema(JournalFilterSchema):
    account = colander.SchemaNode(colander.String(), title=_("Compte (adresse électronique)"), missing="")
    expertise = colander.SchemaNode(colander.String(), title=_("Expertise (identifiant)"), missing="")


class SignSchema(CSRFSchema):
    pass


def filter_form(schema_class, request, **kw) -> deform.Form:
    schema = schema_class().bind(request=request, **kw)
    return deform.Form(schema, method="GET", buttons=(deform.Button("filtrer", _("Filtrer")),), formid="filtres",
                       focus="off")
