"""Case names and court numbers, through the naming hooks."""

from __future__ import annotations

from ..contract import CaseFacts, PartyFacts, PartySide


def case_facts(*, parties, jurisdiction_short: str, rg: str, exp: str | None, expert_name: str) -> CaseFacts:
    """Facts from ``parties``: objects with ``name``, ``side`` and ``kind``, in order."""

    def side(wanted: PartySide):
        return tuple(PartyFacts(name=p.name, kind=p.kind, side=wanted) for p in parties if p.side == wanted)

    return CaseFacts(
        demandeurs=side(PartySide.DEMANDEUR),
        defendeurs=side(PartySide.DEFENDEUR),
        jurisdiction_short=jurisdiction_short,
        rg=rg,
        exp=exp,
        expert_name=expert_name,
    )


def compute_case_name(pm, facts: CaseFacts) -> str:
    """The case name; raises NamingError (French message) when the rule cannot apply."""
    return pm.hook.opalexe_case_name_compute(facts=facts)


def normalize_number(pm, number: str, kind: str) -> str:
    """``kind``: ``rg`` or ``exp``; raises NamingError when malformed."""
    return pm.hook.opalexe_case_number_normalize(number=number, kind=kind)
