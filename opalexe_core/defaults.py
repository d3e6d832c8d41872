"""The core's own hook implementations, registered as ``core-defaults``.

Every implementation here is ``trylast``: an installed plugin always answers
first, and uninstalling it falls back to these plain defaults.
"""

from __future__ import annotations

import csv
import importlib.resources
import re

from .contract import FolderKind, FolderSpec, JurisdictionSpec, Speciality
from .i18n import _
from .markers import hookimpl


@hookimpl(trylast=True)
def opalexe_case_name_compute(facts):
    """A plain name: «demandeur c/ défendeur – court – RG number»."""
    first_demandeur = facts.demandeurs[0].name if facts.demandeurs else "?"
    first_defendeur = facts.defendeurs[0].name if facts.defendeurs else "?"
    parts = [f"{first_demandeur} c/ {first_defendeur}", facts.jurisdiction_short, f"RG {facts.rg}".strip()]
    return " – ".join(_squash(part) for part in parts if part and part.strip())


@hookimpl(trylast=True)
def opalexe_case_number_normalize(number, kind):
    """Numbers are kept as written, spaces collapsed."""
    return _squash(number)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _stored(title) -> str:
    """A folder title as the folder stores it: the French message id, a plain
    ``str``. A TranslationString would pickle its class and domain into every
    folder; the pages translate the stored id instead
    (:func:`opalexe_core.views.expertises.folder_title`), so databases written
    before the English catalog read the same."""
    return str(title)


@hookimpl(trylast=True)
def opalexe_folder_tree_define(jurisdiction, parties):
    tree = [
        FolderSpec(FolderKind.EXPERT_GREFFE_PARTIES, _stored(_("expert→greffe-parties"))),
        FolderSpec(FolderKind.GREFFE_EXPERT_PARTIES, _stored(_("greffe→expert-parties"))),
        FolderSpec(FolderKind.MAGISTRAT_EXPERT, _stored(_("magistrat→expert"))),
    ]
    # A party's folder bears the party's name instead of this title.
    tree += [FolderSpec(FolderKind.PARTIE, "Partie", party_index=index) for index in range(len(parties))]
    tree += [
        FolderSpec(FolderKind.NOTES_EXPERT, _stored(_("Notes de l'expert"))),
        FolderSpec(FolderKind.CONVOCATIONS, _stored(_("Convocations"))),
        FolderSpec(
            FolderKind.GREFFE,
            _stored(_("Greffe")),
            children=(FolderSpec(FolderKind.RAPPORT_DEFINITIF, _stored(_("Rapport définitif"))),),
        ),
    ]
    return tree


@hookimpl(trylast=True)
def opalexe_jurisdictions_collect():
    """The cours d'appel, cours administratives d'appel and the courts of the
    Angers region shipped in ``data/jurisdictions.csv``."""
    return [
        JurisdictionSpec(**{key: (value or None) if key in ("parent", "expertise_email") else value
                            for key, value in row.items()})
        for row in _csv_rows("data/jurisdictions.csv")
    ]


@hookimpl(trylast=True)
def opalexe_specialities_collect():
    """The branches and headings of the nomenclature of expert specialities,
    shipped in ``data/specialities.csv`` (with the first specialities of
    A.1). A plugin adds the specialities of a heading, or corrects an entry
    by its code."""
    return [Speciality(code=row["code"], label=row["label"], parent=row["parent"] or None)
            for row in _csv_rows("data/specialities.csv")]


def _csv_rows(name: str) -> list[dict]:
    text = importlib.resources.files("opalexe_core").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))
