"""The registration form of a first connection: the core's fields, then the
plugins' (``opalexe_registration_fields_collect``), then the acceptance of
the terms of use in force.

The fields a card provider asks for (telephones, postal address, country,
cour d'appel de rattachement, specialities, approval by the Cour de
cassation) are ready-made here, so that every provider asks them the same
way: :func:`registration_field` (``opalexe_core.api.registration_field``).
"""

import re

import colander
import deform

from ..contract import CourtKind
from ..i18n import _
from .base import CSRFSchema, name_node, squash

#: The core's fields; any other field of the form is a plugin's.
CORE_FIELDS = ("csrf_token", "first_name", "last_name", "email", "cgu")

_PHONE = re.compile(r"\+?[0-9 .()-]{6,25}")

#: The countries offered, by ISO code: France first (the default), then its
#: neighbours and the other countries of the European Union.
COUNTRIES = (
    ("FR", _("France")), ("BE", _("Belgique")), ("LU", _("Luxembourg")), ("CH", _("Suisse")),
    ("MC", _("Monaco")), ("DE", _("Allemagne")), ("ES", _("Espagne")), ("IT", _("Italie")),
    ("PT", _("Portugal")), ("NL", _("Pays-Bas")), ("AT", _("Autriche")), ("IE", _("Irlande")),
    ("GB", _("Royaume-Uni")), ("ZZ", _("Autre pays")),
)


class RegistrationSchema(CSRFSchema):
    first_name = name_node(_("Prénom"))
    last_name = name_node(_("Nom"))
    email = colander.SchemaNode(
        colander.String(), title=_("Adresse électronique"), preparer=squash,
        description=_("Les avis de dépôt et les messages de la plateforme y sont envoyés."),
        validator=colander.Email(msg=_("Adresse électronique invalide.")),
    )


def _phone(title) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(), title=title, missing="", preparer=squash,
        validator=colander.Regex(_PHONE, msg=_("Numéro de téléphone invalide : des chiffres, espaces, points ou "
                                               "tirets, et + pour l'international.")),
    )


@colander.deferred
def _court_widget(node, kw):
    request = kw["request"]
    courts = request.opalexe_root.jurisdictions.of_kind(CourtKind.CA, CourtKind.CAA)
    courts.sort(key=lambda court: (court.kind != CourtKind.CA, court.name))
    return deform.widget.SelectWidget(values=[("", _("— Choisissez —"))] + [(c.code, c.name) for c in courts])


@colander.deferred
def _court_validator(node, kw):
    codes = {court.code for court in kw["request"].opalexe_root.jurisdictions.of_kind(CourtKind.CA, CourtKind.CAA)}
    return colander.OneOf(sorted(codes), msg_err=_("Choisissez une cour d'appel de la liste."))


def _specialities(request):
    from ..services.specialities import collect_specialities

    return [entry for entry in collect_specialities(request.registry.opalexe_pm) if entry.parent]


@colander.deferred
def _speciality_widget(node, kw):
    return deform.widget.CheckboxChoiceWidget(
        values=[(entry.code, f"{entry.code} {entry.label}") for entry in _specialities(kw["request"])],
        css_class="specialities",
    )


@colander.deferred
def _speciality_validator(node, kw):
    codes = {entry.code for entry in _specialities(kw["request"])}

    def validate(node, value):
        if not value:
            raise colander.Invalid(node, _("Choisissez au moins une spécialité."))
        unknown = set(value) - codes
        if unknown:
            raise colander.Invalid(node, _("Spécialité inconnue : ${code}.", mapping={"code": sorted(unknown)[0]}))

    return validate


def _field(name: str) -> colander.SchemaNode:
    if name == "landline":
        return _phone(_("Téléphone fixe"))
    if name == "mobile":
        return _phone(_("Téléphone mobile"))
    if name == "postal_address":
        return colander.SchemaNode(
            colander.String(), title=_("Adresse postale"), widget=deform.widget.TextAreaWidget(rows=3),
            missing_msg=_("Indiquez votre adresse postale complète."),
            validator=colander.Length(5, 400, min_err=_("Indiquez votre adresse postale complète."),
                                      max_err=_("${max} caractères au plus.")),
        )
    if name == "country":
        return colander.SchemaNode(
            colander.String(), title=_("Pays"), default="FR",
            widget=deform.widget.SelectWidget(values=COUNTRIES),
            validator=colander.OneOf([code for code, _label in COUNTRIES],
                                     msg_err=_("Choisissez un pays de la liste.")),
        )
    if name == "court_of_appeal":
        return colander.SchemaNode(
            colander.String(), title=_("Cour d'appel de rattachement"), widget=_court_widget,
            validator=_court_validator, missing_msg=_("Choisissez votre cour d'appel de rattachement."),
            description=_("Inscrit(e) sur la liste d'une cour d'appel et sur celle d'une cour administrative "
                          "d'appel : choisissez la cour d'appel."),
        )
    if name == "specialities":
        return colander.SchemaNode(
            colander.Set(), title=_("Spécialités"), widget=_speciality_widget, validator=_speciality_validator,
            description=_("Selon la nomenclature des rubriques et spécialités des experts judiciaires."),
        )
    if name == "cassation_approved":
        return colander.SchemaNode(
            colander.String(), title=_("Êtes-vous agréé(e) par la Cour de cassation ?"),
            widget=deform.widget.RadioChoiceWidget(values=(("oui", _("Oui")), ("non", _("Non"))), inline=True),
            missing_msg=_("Répondez par oui ou non."),
            validator=colander.OneOf(["oui", "non"], msg_err=_("Répondez par oui ou non.")),
        )
    raise KeyError(name)


#: The names :func:`registration_field` knows.
REGISTRATION_FIELDS = ("landline", "mobile", "postal_address", "country", "court_of_appeal", "specialities",
                       "cassation_approved")


def registration_field(name: str) -> colander.SchemaNode:
    """A ready-made registration field, named ``name`` (one of
    :data:`REGISTRATION_FIELDS`): its French title, widget and validator.
    The cour d'appel offers every cour d'appel and cour administrative
    d'appel of the jurisdictions directory; the specialities come from the
    nomenclature (``opalexe_specialities_collect``)."""
    node = _field(name)
    node.name = name
    node.oid = name  # Deform names radio buttons and ids after it: stable names for the page and its tests
    return node


def _terms_node(terms, terms_url: str) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.Boolean(), name="cgu", missing=False,
        title=_("Conditions générales d'utilisation"),
        widget=deform.widget.CheckboxWidget(),
        description=_("J'accepte les conditions générales d'utilisation (version ${version}, ${url}) et suis "
                      "responsable des informations saisies.", mapping={"version": terms.version, "url": terms_url}),
        validator=colander.Function(lambda value: bool(value),
                                    msg=_("Acceptez les conditions générales d'utilisation pour vous inscrire.")),
    )


def registration_schema(plugin_nodes, terms=None, terms_url: str = "") -> RegistrationSchema:
    """The form's schema: the core's fields, the plugins', and the terms in
    force (``terms``, a TermsVersion) to accept, if any."""
    schema = RegistrationSchema()
    for node in plugin_nodes:
        if node.name in CORE_FIELDS:
            raise ValueError(f"a plugin's registration field cannot be named {node.name!r}")
        schema.add(node.clone())
    if terms is not None:
        schema.add(_terms_node(terms, terms_url))
    return schema
