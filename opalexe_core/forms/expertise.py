"""The designation order as a form: creating a case, and a clerk's
designation (« saisine »), which has the same sections but names an expert
instead of lawyers.

Sections (fieldsets): court, numbers, parties (demandeurs, défendeurs,
intervenants, in the order of the decision: the first demandeur and the
first défendeur name the case), mission, consignation. Choices come from
the directories (courts, accounts) as they are when the form is built; a
posted value outside them is refused beside its field.
"""

from __future__ import annotations

import decimal

import colander
import deform

from ..contract import PartyKind, PartySide, Profile
from ..i18n import _
from ..labels import KIND_LABELS, PARTY_KIND_LABELS
from ..services.expertises import STRUCTURAL, CaseData
from .base import REQUIRED, CSRFSchema, name_node, squash

NUMBER_HELP_RG = _("Le numéro de la procédure, tel qu'il figure sur la décision : année/numéro, par exemple 18/00001.")
NUMBER_HELP_EXP = _("Le numéro du service du contrôle des expertises (parfois appelé MI) : année/numéro, "
                    "par exemple 20/56.")


class Euros(colander.Decimal):
    """An amount in euros as people write it: ``1 500,50`` or ``1500.50 €``."""

    def __init__(self):
        super().__init__(quant="0.01", rounding=decimal.ROUND_HALF_UP)

    def deserialize(self, node, cstruct):
        if isinstance(cstruct, str):
            cstruct = cstruct.replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            cstruct = cstruct.replace(",", ".")
            if not cstruct:
                return colander.null
        try:
            return super().deserialize(node, cstruct)
        except colander.Invalid:
            raise colander.Invalid(node, _("Indiquez un montant en euros, par exemple 1500 ou 1 500,50.")) from None


def _choices(values, first=None):
    return [first, *values] if first is not None else list(values)


def _one_of(message):
    def validator(node, value):
        allowed = {str(choice[0]) for choice in node.widget.values if choice[0] != ""}
        if value not in allowed:
            raise colander.Invalid(node, message)

    return validator


@colander.deferred
def _courts(node, kw):
    courts = sorted(kw["request"].opalexe_root.jurisdictions.values(),
                    key=lambda j: (list(KIND_LABELS).index(j.kind), j.name))
    return deform.widget.SelectWidget(values=_choices(((j.code, j.name) for j in courts), ("", _("— Choisir —"))))


def accounts_of(request, profile: Profile, *, exclude=()):
    accounts = [a for a in request.opalexe_root.accounts.values()
                if a.profile == profile and a.active and a.id not in exclude]
    return sorted(accounts, key=lambda a: (a.last_name.lower(), a.first_name.lower()))


def _person_widget(profile: Profile):
    @colander.deferred
    def widget(node, kw):
        people = [(a.id, a.display_name) for a in accounts_of(kw["request"], profile)]
        return deform.widget.SelectWidget(values=[
            ("", _("— Personne pour l'instant —")),
            (STRUCTURAL, _("L'adresse structurelle du contrôle des expertises de la juridiction")),
            *people,
        ])

    return widget


@colander.deferred
def _lawyers(node, kw):
    people = [(a.id, f"{a.display_name} — {a.email}") for a in accounts_of(kw["request"], Profile.AVOCAT)]
    return deform.widget.SelectWidget(values=[("", _("— Choisir —")), *people])


def _optional_date(title, description=None):
    return colander.SchemaNode(colander.Date(), title=title, description=description, missing=None,
                               widget=deform.widget.DateInputWidget())


class CourtSection(colander.MappingSchema):
    jurisdiction_code = colander.SchemaNode(colander.String(), title=_("Juridiction qui ordonne la mesure"),
                                            widget=_courts, validator=_one_of(_("Juridiction inconnue.")),
                                            missing_msg=REQUIRED)
    magistrate = colander.SchemaNode(
        colander.String(), title=_("Magistrat chargé du contrôle des expertises"), missing="",
        widget=_person_widget(Profile.MAGISTRAT), validator=_one_of(_("Magistrat inconnu.")),
        description=_("Une personne inscrite, ou l'adresse structurelle du service "
                      "(expertises.tj-[ville]@justice.fr)."),
    )
    clerk = colander.SchemaNode(colander.String(), title=_("Greffier du contrôle des expertises"), missing="",
                                widget=_person_widget(Profile.GREFFIER), validator=_one_of(_("Greffier inconnu.")))


class NumbersSection(colander.MappingSchema):
    rg = colander.SchemaNode(colander.String(), title=_("N° RG"), description=NUMBER_HELP_RG, preparer=squash,
                             validator=colander.Length(1, 40, min_err=REQUIRED,
                                                       max_err=_("${max} caractères au plus.")),
                             missing_msg=REQUIRED)
    exp = colander.SchemaNode(colander.String(), title=_("N° EXP"), description=NUMBER_HELP_EXP, preparer=squash,
                              missing="", validator=colander.Length(0, 40, max_err=_("${max} caractères au plus.")))
    order_date = colander.SchemaNode(colander.Date(), title=_("Date de l'ordonnance"),
                                     widget=deform.widget.DateInputWidget(), missing_msg=REQUIRED)


class LawyersSequence(colander.SequenceSchema):
    lawyer = colander.SchemaNode(colander.String(), title=_("Avocat"), widget=_lawyers,
                                 validator=_one_of(_("Avocat inconnu : choisissez-le dans l'annuaire.")),
                                 missing_msg=REQUIRED)


def _kind_node():
    return colander.SchemaNode(
        colander.String(), title=_("Nature"), default=PartyKind.MORALE.value,
        widget=deform.widget.RadioChoiceWidget(values=[(k.value, PARTY_KIND_LABELS[k]) for k in PartyKind]),
        validator=colander.OneOf([k.value for k in PartyKind], msg_err=_("Nature inconnue.")),
        missing_msg=REQUIRED,
    )


class SaisinePartySchema(colander.MappingSchema):
    """A party as a designation names it: its name and nature."""

    name = name_node(_("Nom"), 200, description=_("Tel qu'il figure sur la première page de la décision."),
                     missing_msg=REQUIRED)
    kind = _kind_node()


class PartySchema(SaisinePartySchema):
    """A party as the expert creates the case: with its lawyers."""

    lawyers = LawyersSequence(title=_("Avocats"), missing=(), widget=deform.widget.SequenceWidget(
        add_subitem_text_template=_("Ajouter un avocat")))


def parties_section(party_schema):
    """The parties' section: demandeurs, défendeurs, intervenants, each a
    sequence of ``party_schema`` in the order of the decision."""

    def sequence(title, plural, add, help_text, min_len):
        return colander.SequenceSchema(
            party_schema(name="party", title=title),
            title=plural, missing=(), description=help_text,
            widget=deform.widget.SequenceWidget(min_len=min_len, add_subitem_text_template=add),
        )

    first_names = _("Dans l'ordre de la décision : le premier nomme l'expertise.")

    class PartiesSection(colander.MappingSchema):
        demandeurs = sequence(_("Demandeur"), _("Demandeurs"), _("Ajouter un demandeur"), first_names, 1)
        defendeurs = sequence(_("Défendeur"), _("Défendeurs"), _("Ajouter un défendeur"), first_names, 1)
        intervenants = sequence(_("Intervenant"), _("Intervenants"), _("Ajouter un intervenant"),
                                _("Intervenants forcés ou volontaires, s'il y en a."), 0)

    return PartiesSection


class MissionSection(colander.MappingSchema):
    mission = colander.SchemaNode(colander.String(), title=_("Mission"), missing="",
                                  widget=deform.widget.TextAreaWidget(rows=5),
                                  validator=colander.Length(0, 20000, max_err=_("${max} caractères au plus.")))
    report_due = _optional_date(_("Date de dépôt du rapport"), _("L'échéance fixée par la décision."))


class ConsignationSection(colander.MappingSchema):
    consignation_amount = colander.SchemaNode(Euros(), title=_("Montant de la consignation (€)"), missing=None,
                                              validator=colander.Range(0, 10_000_000,
                                                                       min_err=_("Le montant ne peut être négatif."),
                                                                       max_err=_("Montant trop élevé.")))
    consignation_due = _optional_date(_("Consigner avant le"))


class CaseSchema(CSRFSchema):
    """The designation order, for creating a case."""

    court = CourtSection(title=_("Juridiction"))
    numbers = NumbersSection(title=_("Numéros"))
    parties = parties_section(PartySchema)(title=_("Parties"))
    mission = MissionSection(title=_("Mission"))
    consignation = ConsignationSection(title=_("Consignation"))
    preview_name = colander.SchemaNode(colander.String(), missing="", widget=deform.widget.HiddenWidget())


def case_data(appstruct: dict, accounts) -> CaseData:
    """The service's :class:`CaseData` from the form's answers."""
    court, numbers = appstruct["court"], appstruct["numbers"]
    mission, consignation = appstruct["mission"], appstruct["consignation"]
    parties, lawyers = [], {}
    for side, key in ((PartySide.DEMANDEUR, "demandeurs"), (PartySide.DEFENDEUR, "defendeurs"),
                      (PartySide.INTERVENANT, "intervenants")):
        for party in appstruct["parties"][key]:
            chosen = [accounts.get(lawyer_id) for lawyer_id in dict.fromkeys(party.get("lawyers") or ())]
            if chosen:
                lawyers[len(parties)] = [lawyer for lawyer in chosen if lawyer is not None]
            parties.append((party["name"], side.value, party["kind"]))

    def person(value):
        if value in ("", None):
            return None
        return STRUCTURAL if value == STRUCTURAL else accounts.get(value)

    return CaseData(
        jurisdiction_code=court.get("jurisdiction_code", ""),
        rg=numbers["rg"],
        exp=numbers["exp"] or None,
        parties=parties,
        order_date=numbers["order_date"],
        mission=mission["mission"],
        report_due=mission["report_due"],
        consignation_amount=consignation["consignation_amount"],
        consignation_due=consignation["consignation_due"],
        magistrate=person(court.get("magistrate")),
        clerk=person(court.get("clerk")),
        lawyers=lawyers,
    )


def appstruct_of(data: CaseData) -> dict:
    """The form's answers from a :class:`CaseData` (a designation to accept)."""
    sides = {"demandeur": "demandeurs", "defendeur": "defendeurs", "intervenant": "intervenants"}
    parties = {"demandeurs": [], "defendeurs": [], "intervenants": []}
    for name, side, kind in data.parties:
        parties[sides[str(side)]].append({"name": name, "kind": str(kind), "lawyers": []})

    def person(value):
        return "" if value is None else (STRUCTURAL if value == STRUCTURAL else value.id)

    return {
        "court": {"jurisdiction_code": data.jurisdiction_code, "magistrate": person(data.magistrate),
                  "clerk": person(data.clerk)},
        "numbers": {"rg": data.rg, "exp": data.exp or "", "order_date": data.order_date or colander.null},
        "parties": parties,
        "mission": {"mission": data.mission or "", "report_due": data.report_due},
        "consignation": {"consignation_amount": data.consignation_amount, "consignation_due": data.consignation_due},
        "preview_name": "",
    }


# -- a clerk's designation -----------------------------------------------------------------


@colander.deferred
def _experts(node, kw):
    experts = [(a.email, f"{a.display_name} — {a.email}") for a in accounts_of(kw["request"], Profile.EXPERT)]
    return deform.widget.SelectWidget(values=[("", _("— Un expert non inscrit : son adresse ci-dessous —")),
                                              *experts])


class ExpertSection(colander.MappingSchema):
    registered = colander.SchemaNode(colander.String(), title=_("Expert inscrit sur la plateforme"), missing="",
                                     widget=_experts, validator=_one_of(_("Expert inconnu.")))
    expert_email = colander.SchemaNode(
        colander.String(), title=_("Adresse électronique d'un expert non inscrit"), missing="", preparer=squash,
        description=_("Il recevra une invitation à s'inscrire, puis la désignation."),
        validator=colander.Email(msg=_("Adresse électronique invalide.")),
    )


@colander.deferred
def _court_magistrates(node, kw):
    request = kw["request"]
    court = kw.get("court_code")
    people = [(a.id, a.display_name) for a in accounts_of(request, Profile.MAGISTRAT) if a.court_code == court]
    return deform.widget.SelectWidget(values=[
        ("", _("— Personne pour l'instant —")),
        (STRUCTURAL, _("L'adresse structurelle du contrôle des expertises de la juridiction")), *people])


class SaisineCourtSection(colander.MappingSchema):
    magistrate = colander.SchemaNode(colander.String(), title=_("Magistrat chargé du contrôle des expertises"),
                                     missing="", widget=_court_magistrates, validator=_one_of(_("Magistrat inconnu.")))


class SaisineSchema(CSRFSchema):
    """A designation a clerk sends in its court's name."""

    expert = ExpertSection(title=_("Expert désigné"))
    court = SaisineCourtSection(title=_("Contrôle des expertises"))
    numbers = NumbersSection(title=_("Numéros"))
    parties = parties_section(SaisinePartySchema)(title=_("Parties"))
    mission = MissionSection(title=_("Mission"))
    consignation = ConsignationSection(title=_("Consignation"))

    def validator(self, node, appstruct):
        super().validator(node, appstruct)
        expert = appstruct["expert"]
        if bool(expert["registered"]) == bool(expert["expert_email"]):
            error = colander.Invalid(node)
            section = colander.Invalid(node["expert"])
            section.add(colander.Invalid(node["expert"]["registered"],
                                         _("Choisissez un expert inscrit, ou indiquez l'adresse d'un expert non "
                                           "inscrit (l'un ou l'autre).")), 0)
            error.add(section, node.children.index(node["expert"]))
            raise error


def saisine_data(appstruct: dict, accounts) -> tuple[str, CaseData]:
    """(the expert's address, the :class:`CaseData`) from a designation's answers."""
    expert = appstruct["expert"]
    email = expert["registered"] or expert["expert_email"]
    full = dict(appstruct)
    full["court"] = {"jurisdiction_code": "", "magistrate": appstruct["court"]["magistrate"], "clerk": ""}
    for key in ("demandeurs", "defendeurs", "intervenants"):
        for party in full["parties"][key]:
            party.setdefault("lawyers", ())
    return email, case_data(full, accounts)

