"""The CA Angers naming rule, table-driven."""

import importlib.metadata
from dataclasses import replace

import pluggy
import pytest

# Whether the core and the plugin sort as first- or third-party depends on the
# directory ruff runs from: keep each in a block of its own.
# isort: split
import opalexe_core.hookspecs
from opalexe_core.api import CaseFacts, NamingError, PartyFacts

# isort: split
import opalexe_naming_cncej as plugin

P = PartyFacts


def facts(**changes):
    base = CaseFacts(
        demandeurs=(P("Dupont", "physique"),),
        defendeurs=(P("Syndicat des copropriétaires de la résidence Les Tilleuls"),),
        jurisdiction_short="TJ Angers",
        rg="18/00001",
        exp="20/00056",
        expert_name="Martin",
    )
    return replace(base, **changes)


def name_of(**changes):
    return plugin.opalexe_case_name_compute(facts=facts(**changes))


def defendeur_name(name, kind="morale"):
    """The part of the case name given by a first défendeur ``name``."""
    case_name = name_of(defendeurs=(P(name, kind),))
    prefix, suffix = "Dupont-", "-TJ Angers-RG18-1-Martin-EXP20-56"
    assert case_name.startswith(prefix) and case_name.endswith(suffix)
    return case_name[len(prefix) : -len(suffix)]


# -- The whole name ----------------------------------------------------------


def test_convention_example():
    assert name_of() == "Dupont-SDC Les Tilleuls-TJ Angers-RG18-1-Martin-EXP20-56"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {
                "demandeurs": (
                    P("Dupont", "physique"),
                    P("SARL Bâti Ouest"),
                    P("Durand", "physique"),
                )
            },
            "Dupont-SDC Les Tilleuls-TJ Angers-RG18-1-Martin-EXP20-56",
            id="several-demandeurs-first-wins",
        ),
        pytest.param(
            {"defendeurs": (P("L'Immobilière"), P("SCI Les Lilas"))},
            "Dupont-Immobilière-TJ Angers-RG18-1-Martin-EXP20-56",
            id="several-defendeurs-first-wins",
        ),
        pytest.param(
            {
                "demandeurs": (P("  Éloïse   Lefèvre-Nguyễn ", "physique"),),
                "jurisdiction_short": " TJ  Angers ",
                "expert_name": "  Martin   de la Roche ",
            },
            "Éloïse Lefèvre-Nguyễn-SDC Les Tilleuls-TJ Angers-RG18-1-"
            "Martin de la Roche-EXP20-56",
            id="accents-kept-whitespace-collapsed",
        ),
        pytest.param(
            {"rg": "RG 2019 / 00412", "exp": "MI 21/7"},
            "Dupont-SDC Les Tilleuls-TJ Angers-RG19-412-Martin-EXP21-7",
            id="numbers-as-written",
        ),
        pytest.param(
            {
                "demandeurs": (P("S.A.R.L. Le Bon Bâtiment"),),
                "defendeurs": (P("Le Goff", "physique"),),
                "jurisdiction_short": "TJ Saumur",
            },
            "Bon Bâtiment-Le Goff-TJ Saumur-RG18-1-Martin-EXP20-56",
            id="legal-then-natural-person",
        ),
    ],
)
def test_case_name(changes, expected):
    assert name_of(**changes) == expected


def test_decomposed_accents_are_composed():
    decomposed = "Socie\u0301te\u0301 ge\u0301ne\u0301rale"
    assert defendeur_name(decomposed, "physique") == "Société générale"


# -- Legal persons -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param("SARL Le Bon Bâtiment", "Bon Bâtiment", id="sarl-then-article"),
        pytest.param("Bâti Ouest S.A.S.", "Bâti Ouest", id="dotted-sas-end"),
        pytest.param("Bâti Ouest S.A.S", "Bâti Ouest", id="dotted-sas-no-last-dot"),
        pytest.param("S.A.R.L. Durand", "Durand", id="dotted-sarl-start"),
        pytest.param("S. A. R. L. Durand", "Durand", id="dotted-spaced-sarl"),
        pytest.param("Durand s.a.", "Durand", id="lowercase-dotted-sa"),
        pytest.param("Durand sarl", "Durand", id="lowercase-sarl"),
        pytest.param("Bâti Ouest (SAS)", "Bâti Ouest", id="bracketed-form"),
        pytest.param("Bâti Ouest, SARL", "Bâti Ouest", id="comma-before-form"),
        pytest.param("L'Immobilière", "Immobilière", id="l-apostrophe"),
        pytest.param(
            "L\u2019Immobilière", "Immobilière", id="l-typographic-apostrophe"
        ),
        pytest.param("L' Immobilière", "Immobilière", id="l-apostrophe-space"),
        pytest.param("La Poste", "Poste", id="article-la"),
        pytest.param("les Maisons d'Anjou", "Maisons d'Anjou", id="article-les-lower"),
        pytest.param("La SARL Martin & Fils", "Martin & Fils", id="article-then-form"),
        pytest.param("SCI Les Lilas", "Lilas", id="sci-then-article"),
        pytest.param("EURL Léa Créations", "Léa Créations", id="eurl"),
        pytest.param("SASU Ouest Élec", "Ouest Élec", id="sasu"),
        pytest.param("SELARL Cabinet Ménard", "Cabinet Ménard", id="selarl"),
        pytest.param("GAEC du Pré Vert", "du Pré Vert", id="gaec-keeps-du"),
        pytest.param(
            "Société anonyme Bâtiments de l'Ouest",
            "Bâtiments de l'Ouest",
            id="spelled-sa",
        ),
        pytest.param("Société par actions simplifiée Bâti", "Bâti", id="spelled-sas"),
        pytest.param(
            "SOCIETE A RESPONSABILITE LIMITEE DURAND",
            "DURAND",
            id="spelled-sarl-caps-no-accents",
        ),
        pytest.param(
            "Les Tilleuls Société civile immobilière", "Tilleuls", id="spelled-sci-end"
        ),
        pytest.param("Sasha", "Sasha", id="sasha-kept"),
        pytest.param("Lesage Couverture", "Lesage Couverture", id="lesage-kept"),
        pytest.param("Scala SA", "Scala", id="scala-kept"),
        pytest.param("Sarlat Bâtiment", "Sarlat Bâtiment", id="sarlat-kept"),
        pytest.param("Ouest Bâti Sasa", "Ouest Bâti Sasa", id="end-word-kept"),
        pytest.param(
            "Bâtiments de la Loire", "Bâtiments de la Loire", id="inner-article-kept"
        ),
        pytest.param("Le Goff Bâtiment SARL", "Goff Bâtiment", id="legal-drops-le"),
        pytest.param("  Bâti   Ouest  ", "Bâti Ouest", id="whitespace"),
        pytest.param(
            "SAS Bâti, représentée par son président en exercice",
            "Bâti",
            id="representation-clause",
        ),
        pytest.param(
            "Axa France IARD, prise en la personne de son représentant",
            "Axa France IARD",
            id="person-clause",
        ),
    ],
)
def test_legal_person(written, expected):
    assert defendeur_name(written) == expected


# -- Natural persons ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param("Le Goff", "Le Goff", id="le-goff"),
        pytest.param("La Fontaine", "La Fontaine", id="la-fontaine"),
        pytest.param("de La Rochefoucauld", "de La Rochefoucauld", id="particle"),
        pytest.param(
            "  Jean-Pierre   D'Artagnan ",
            "Jean-Pierre D'Artagnan",
            id="whitespace-apostrophe",
        ),
        pytest.param("Sarl", "Sarl", id="surname-like-a-form"),
        pytest.param("Müller-Lefèvre", "Müller-Lefèvre", id="accents"),
    ],
)
def test_natural_person(written, expected):
    assert defendeur_name(written, "physique") == expected


# -- Syndicats des copropriétaires -------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param(
            "Syndicat des copropriétaires de la résidence Les Tilleuls",
            "SDC Les Tilleuls",
            id="de-la-residence",
        ),
        pytest.param(
            "Syndicat des copropriétaires de l'immeuble Le Central",
            "SDC Le Central",
            id="de-l-immeuble",
        ),
        pytest.param(
            "Syndicat des copropriétaires de l\u2019immeuble Le Central",
            "SDC Le Central",
            id="de-l-immeuble-typographic",
        ),
        pytest.param(
            "Syndicat des Copropriétaires du 12 rue de la Paix",
            "SDC 12 rue de la Paix",
            id="du-address",
        ),
        pytest.param(
            "Syndicat des copropriétaires des Hauts de Loire",
            "SDC Hauts de Loire",
            id="des",
        ),
        pytest.param("Syndicat des copropriétaires de Bel Air", "SDC Bel Air", id="de"),
        pytest.param(
            "Syndicat des copropriétaires Résidence du Lac",
            "SDC Résidence du Lac",
            id="no-link-residence-kept",
        ),
        pytest.param(
            "Syndicat des copropriétaires de la résidence du Lac",
            "SDC résidence du Lac",
            id="residence-kept-before-du",
        ),
        pytest.param(
            "Syndicat des copropriétaires Les Tilleuls",
            "SDC Les Tilleuls",
            id="no-link",
        ),
        pytest.param(
            "SYNDICAT DES COPROPRIETAIRES DE LA RESIDENCE LES TILLEULS",
            "SDC LES TILLEULS",
            id="caps-no-accents",
        ),
        pytest.param(
            "syndicat des coproprietaires de la residence Les Tilleuls",
            "SDC Les Tilleuls",
            id="lower-no-accents",
        ),
        pytest.param(
            "Le syndicat des copropriétaires de la résidence Les Tilleuls",
            "SDC Les Tilleuls",
            id="leading-article",
        ),
        pytest.param(
            "Syndicat des co-propriétaires de l'immeuble Le Central",
            "SDC Le Central",
            id="hyphenated",
        ),
        pytest.param(
            "Syndicat de copropriété de la résidence Le Parc",
            "SDC Le Parc",
            id="syndicat-de-copropriete",
        ),
        pytest.param(
            "Syndicat des copropriétaires de l'immeuble sis 3, rue Voltaire",
            "SDC 3, rue Voltaire",
            id="sis-address",
        ),
        pytest.param(
            "Syndicat des copropriétaires de l'ensemble immobilier Les Jardins d'Éole",
            "SDC Les Jardins d'Éole",
            id="ensemble-immobilier",
        ),
        pytest.param(
            "Syndicat des copropriétaires de la résidence Les Tilleuls, "
            "représenté par son syndic, la SARL Foncia Ouest",
            "SDC Les Tilleuls",
            id="represented-by-syndic",
        ),
        pytest.param("SDC Les Tilleuls", "SDC Les Tilleuls", id="sdc-abbreviated"),
        pytest.param("S.D.C. Les Tilleuls", "SDC Les Tilleuls", id="sdc-dotted"),
        pytest.param(
            "sdc de la résidence Les Tilleuls",
            "SDC Les Tilleuls",
            id="sdc-lower-with-link",
        ),
        pytest.param(
            "  Syndicat   des copropriétaires   de la résidence  Les  Tilleuls ",
            "SDC Les Tilleuls",
            id="whitespace",
        ),
    ],
)
def test_syndicat_des_coproprietaires(written, expected):
    assert defendeur_name(written) == expected


def test_sdc_also_when_typed_as_natural_person():
    written = "Syndicat des copropriétaires de la résidence Les Tilleuls"
    assert defendeur_name(written, "physique") == "SDC Les Tilleuls"


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("Syndicat des copropriétaires", id="bare"),
        pytest.param("Syndicat des copropriétaires de la résidence", id="no-name"),
        pytest.param("SDC", id="sdc-alone"),
    ],
)
def test_sdc_without_building_name(written):
    with pytest.raises(NamingError) as caught:
        name_of(defendeurs=(P(written),))
    assert caught.value.field == "defendeurs"
    assert "nom de la copropriété" in caught.value.message


# -- Numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kind", "expected"),
    [
        pytest.param("18/00001", "rg", "RG18-1", id="rg-plain"),
        pytest.param("18/00001", "exp", "EXP18-1", id="exp-plain"),
        pytest.param("20/56", "exp", "EXP20-56", id="short-number"),
        pytest.param("18/10200", "rg", "RG18-10200", id="inner-zeros-kept"),
        pytest.param("2018/00001", "rg", "RG18-1", id="four-digit-year"),
        pytest.param("1999/00001", "rg", "RG99-1", id="last-century"),
        pytest.param("  18/00001  ", "rg", "RG18-1", id="surrounding-spaces"),
        pytest.param("18 / 00001", "rg", "RG18-1", id="spaces-around-slash"),
        pytest.param("18-00001", "rg", "RG18-1", id="hyphen"),
        pytest.param("18 \u2013 00001", "rg", "RG18-1", id="en-dash"),
        pytest.param("RG 18/00001", "rg", "RG18-1", id="rg-prefix"),
        pytest.param("RG18/00001", "rg", "RG18-1", id="rg-prefix-glued"),
        pytest.param("rg 18/00001", "rg", "RG18-1", id="rg-prefix-lower"),
        pytest.param("RG n° 18/00001", "rg", "RG18-1", id="rg-then-n"),
        pytest.param("N° RG 18/00001", "rg", "RG18-1", id="n-then-rg"),
        pytest.param("n°18/00001", "rg", "RG18-1", id="n-glued"),
        pytest.param("nº 18/00001", "rg", "RG18-1", id="n-ordinal-sign"),
        pytest.param("RG : 2018 / 00001", "rg", "RG18-1", id="rg-colon"),
        pytest.param("RG18-1", "rg", "RG18-1", id="already-normalised"),
        pytest.param("EXP 20/00056", "exp", "EXP20-56", id="exp-prefix"),
        pytest.param("EXP20-56", "exp", "EXP20-56", id="exp-normalised"),
        pytest.param("MI 20/00056", "exp", "EXP20-56", id="mi-prefix"),
        pytest.param("n° MI 2020/56", "exp", "EXP20-56", id="n-mi"),
        pytest.param("18/00001", "RG", "RG18-1", id="kind-upper"),
    ],
)
def test_number_normalize(written, kind, expected):
    assert plugin.opalexe_case_number_normalize(number=written, kind=kind) == expected


@pytest.mark.parametrize(
    ("written", "kind", "reason"),
    [
        pytest.param("", "rg", "obligatoire", id="empty"),
        pytest.param("   ", "rg", "obligatoire", id="blank"),
        pytest.param(None, "rg", "obligatoire", id="none"),
        pytest.param("RG", "rg", "l'année et le numéro", id="prefix-only"),
        pytest.param("00001", "rg", "l'année et le numéro", id="missing-year"),
        pytest.param("/00001", "rg", "l'année et le numéro", id="empty-year"),
        pytest.param("18/", "rg", "l'année et le numéro", id="empty-number"),
        pytest.param("18/ABC", "rg", "que des chiffres", id="letters-number"),
        pytest.param("AB/00001", "rg", "que des chiffres", id="letters-year"),
        pytest.param("18/0001A", "rg", "que des chiffres", id="trailing-letter"),
        pytest.param("18/00001/2", "rg", "que des chiffres", id="two-slashes"),
        pytest.param("18.00001", "rg", "l'année et le numéro", id="dot-separator"),
        pytest.param("018/00001", "rg", "2 chiffres", id="three-digit-year"),
        pytest.param("8/00001", "rg", "2 chiffres", id="one-digit-year"),
        pytest.param("20180/1", "rg", "2 chiffres", id="five-digit-year"),
        pytest.param("3018/1", "rg", "2 chiffres", id="implausible-year"),
        pytest.param("18/00000", "rg", "ne peut pas être 0", id="number-zero"),
        pytest.param("18/0", "exp", "ne peut pas être 0", id="exp-zero"),
        pytest.param("EXP 20/56", "rg", "inversés", id="exp-typed-as-rg"),
        pytest.param("MI 20/56", "rg", "inversés", id="mi-typed-as-rg"),
        pytest.param("RG 18/1", "exp", "inversés", id="rg-typed-as-exp"),
    ],
)
def test_number_refused(written, kind, reason):
    with pytest.raises(NamingError) as caught:
        plugin.opalexe_case_number_normalize(number=written, kind=kind)
    error = caught.value
    assert error.field == kind
    assert reason in error.message
    label = "n° RG" if kind == "rg" else "n° EXP"
    assert error.message.startswith(f"Le {label} ")
    assert str(error) == error.message


def test_malformed_number_is_quoted_in_message():
    with pytest.raises(NamingError) as caught:
        name_of(rg="18/ABC")
    assert caught.value.field == "rg"
    assert caught.value.message == (
        "Le n° RG « 18/ABC » n'est pas valide : l'année et le numéro ne "
        "doivent contenir que des chiffres, par exemple 18/00001."
    )


@pytest.mark.parametrize("kind", ["mi", "", None, "siret"], ids=repr)
def test_unknown_kind_passes(kind):
    assert plugin.opalexe_case_number_normalize(number="18/00001", kind=kind) is None


# -- Missing pieces ----------------------------------------------------------


@pytest.mark.parametrize("exp", [None, "", "   "], ids=["none", "empty", "blank"])
def test_missing_exp_is_explained(exp):
    with pytest.raises(NamingError) as caught:
        name_of(exp=exp)
    error = caught.value
    assert error.field == "exp"
    assert error.message.startswith("Le n° EXP est obligatoire")
    assert "mode de classement des dossiers" in error.message
    assert "service des expertises" in error.message
    assert "n° MI" in error.message


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        pytest.param(
            {"demandeurs": ()}, "demandeurs", "premier demandeur", id="no-demandeur"
        ),
        pytest.param(
            {"demandeurs": (P("  ", "physique"),)},
            "demandeurs",
            "premier demandeur",
            id="blank-demandeur",
        ),
        pytest.param(
            {"defendeurs": ()}, "defendeurs", "premier défendeur", id="no-defendeur"
        ),
        pytest.param(
            {"defendeurs": (P(""),)},
            "defendeurs",
            "premier défendeur",
            id="empty-defendeur",
        ),
        pytest.param(
            {"defendeurs": (P("SARL"),)}, "defendeurs", "forme sociale", id="form-only"
        ),
        pytest.param(
            {"defendeurs": (P("La S.A.R.L."),)},
            "defendeurs",
            "forme sociale",
            id="article-and-form-only",
        ),
        pytest.param(
            {"demandeurs": (P("Société anonyme"),)},
            "demandeurs",
            "forme sociale",
            id="spelled-form-only",
        ),
        pytest.param(
            {"expert_name": "  "}, "expert_name", "nom de l'expert", id="no-expert"
        ),
        pytest.param(
            {"jurisdiction_short": ""},
            "jurisdiction_short",
            "juridiction",
            id="no-court",
        ),
        pytest.param({"rg": None}, "rg", "n° RG est obligatoire", id="no-rg"),
    ],
)
def test_missing_piece(changes, field, words):
    with pytest.raises(NamingError) as caught:
        name_of(**changes)
    assert caught.value.field == field
    assert words in caught.value.message


# -- Registration ------------------------------------------------------------


def test_entry_point():
    found = {ep.name: ep for ep in importlib.metadata.entry_points(group="opalexe")}
    assert found["naming_cncej"].value == "opalexe_naming_cncej"
    assert found["naming_cncej"].load() is plugin


def test_plugin_manager_finds_the_rule():
    pm = pluggy.PluginManager("opalexe")
    pm.add_hookspecs(opalexe_core.hookspecs)
    # Other plugins of the group are not under test here.
    for ep in importlib.metadata.entry_points(group="opalexe"):
        if ep.name != "naming_cncej":
            pm.set_blocked(ep.name)
    pm.load_setuptools_entrypoints("opalexe")

    assert pm.get_plugin("naming_cncej") is plugin
    assert pm.hook.opalexe_case_name_compute(facts=facts()) == (
        "Dupont-SDC Les Tilleuls-TJ Angers-RG18-1-Martin-EXP20-56"
    )
    assert pm.hook.opalexe_case_number_normalize(number="2020/00056", kind="exp") == (
        "EXP20-56"
    )
    with pytest.raises(NamingError):
        pm.hook.opalexe_case_name_compute(facts=facts(exp=None))
