"""A court's page for its clerks and magistrates: replacing one of them on
every running case of the court in one action."""

import colander
import deform
from pyramid.view import view_config

from ..contract import Profile, Role, Status
from ..forms.base import REQUIRED, CSRFSchema, make_form
from ..forms.case import one_of
from ..i18n import _
from ..labels import ROLE_LABELS
from ..permissions import STAFF
from ..resources.jurisdictions import Jurisdiction
from ..services.participants import COURT_ROLES, replace_court_staff
from . import back_to, submit

RUNNING = (Status.CREEE, Status.EN_COURS)


def serving(request, court) -> dict:
    """Account id → the number of running cases of ``court`` where it is the
    active magistrate or clerk (from the index, not the cases)."""
    index = request.opalexe_root.expertises.index
    counts = {}
    for case_id in index.court_cases(court.code):
        summary = index.summary(case_id)
        if summary is None or summary.status not in RUNNING:
            continue
        for account_id, role, active in summary.members:
            if active and role in COURT_ROLES:
                counts[account_id] = counts.get(account_id, 0) + 1
    return counts


@colander.deferred
def _serving(node, kw):
    request, court = kw["request"], kw["court"]
    accounts = request.opalexe_root.accounts
    values = [("", _("— Choisir —"))]
    for account_id, count in sorted(serving(request, court).items()):
        account = accounts.get(account_id)
        if account is not None:
            values.append((account_id, f"{account.display_name} ({count})"))
    return deform.widget.SelectWidget(values=values)


@colander.deferred
def _staff(node, kw):
    request = kw["request"]
    people = sorted((a for a in request.opalexe_root.accounts.values()
                     if a.active and a.profile in (Profile.MAGISTRAT, Profile.GREFFIER)),
                    key=lambda a: (a.last_name.lower(), a.first_name.lower()))
    return deform.widget.SelectWidget(values=[("", _("— Choisir —")), *[(a.id, a.display_name) for a in people]])


class StaffSchema(CSRFSchema):
    role = colander.SchemaNode(colander.String(), title=_("Fonction"),
                               widget=deform.widget.SelectWidget(values=[("", _("— Choisir —")),
                                                                         *[(r.value, ROLE_LABELS[r])
                                                                           for r in COURT_ROLES]]),
                               validator=one_of(_("Choisissez le magistrat ou le greffier à remplacer.")),
                               missing_msg=REQUIRED)
    old = colander.SchemaNode(colander.String(), title=_("Personne remplacée"), widget=_serving,
                              description=_("Entre parenthèses : ses expertises en cours dans la juridiction."),
                              validator=one_of(_("Choisissez la personne remplacée.")), missing_msg=REQUIRED)
    new = colander.SchemaNode(colander.String(), title=_("Remplaçant"), widget=_staff,
                              validator=one_of(_("Choisissez le remplaçant.")), missing_msg=REQUIRED)


@view_config(context=Jurisdiction, name="personnel", renderer="opalexe_core:templates/court_staff.pt",
             permission=STAFF)
def staff(context, request):
    form = make_form(StaffSchema, request, _("Remplacer dans toutes les expertises en cours"), court=context)
    page = {"court": context}
    if request.method != "POST":
        return {**page, "form": form.render()}
    accounts = request.opalexe_root.accounts

    def run(data):
        changed = replace_court_staff(request.opalexe_platform, request.opalexe_actor, context,
                                      role=Role(data["role"]), old=accounts.get(data["old"]),
                                      new=accounts.get(data["new"]))
        return back_to(request, request.resource_url(context, "personnel"),
                       _("Remplacement fait dans ${count} expertise(s) en cours.", mapping={"count": len(changed)}))

    return submit(request, form, page, run)
