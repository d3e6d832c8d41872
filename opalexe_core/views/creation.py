"""Creating a case from its designation order, in two steps: the form,
then its name as the naming rule computes it, shown before saving.

The first post (« Voir le nom de l'expertise ») checks everything creation
checks and shows the name; the second (« Créer l'expertise ») creates the
case, provided the name is still the one shown (changed fields change it:
it is shown again). Accepting a designation is the same journey, pre-filled
from the designation (:mod:`.saisines`).
"""

import deform
from pyramid.view import view_config

from ..contract import UserError
from ..forms.base import make_form, refusal
from ..forms.expertise import CaseSchema, case_data
from ..i18n import _
from ..permissions import CREATE
from ..resources.expertise import Expertises
from ..services.expertises import create_expertise, preview_case_name
from . import back_to, refused

PREVIEW, CREATE_BUTTON = "apercu", "creer"


def case_form(request, *, previewed: bool, action: str = ""):
    buttons = [deform.Button(PREVIEW, _("Voir le nom de l'expertise"))]
    if previewed:
        buttons = [deform.Button(CREATE_BUTTON, _("Créer l'expertise")),
                   deform.Button(PREVIEW, _("Recalculer le nom"), css_class="secondary")]
    return make_form(CaseSchema, request, buttons=buttons, action=action)


def case_journey(request, *, initial: dict | None, preview, create, page: dict):
    """The two-step form: ``preview(data)`` returns the name, ``create(data)``
    stores the case and returns it; ``page`` holds the template's other values."""
    form = case_form(request, previewed=False)
    if request.method != "POST":
        html = form.render(initial) if initial is not None else form.render()
        return {**page, "form": html, "name": None}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return {**page, "form": failure.render(), "name": None}
    case = case_data(data, request.opalexe_root.accounts)
    try:
        name = preview(case)
    except UserError as error:
        refused(request, error)
        return {**page, "form": refusal(form, data, error), "name": None}
    if CREATE_BUTTON in request.POST and data["preview_name"] == name:
        try:
            expertise = create(case)
        except UserError as error:
            refused(request, error)
            return {**page, "form": refusal(case_form(request, previewed=True), data, error), "name": None}
        return back_to(request, request.resource_url(expertise), _("Expertise créée : ${name}.",
                                                                   mapping={"name": expertise.name}))
    changed = CREATE_BUTTON in request.POST  # the fields changed after the name was shown
    data["preview_name"] = name
    return {**page, "form": case_form(request, previewed=True).render(data), "name": name, "changed": changed}


@view_config(context=Expertises, name="nouvelle", renderer="opalexe_core:templates/expertise_new.pt",
             permission=CREATE)
def new_expertise(context, request):
    platform, actor = request.opalexe_platform, request.opalexe_actor
    return case_journey(
        request, initial=None,
        preview=lambda case: preview_case_name(platform, actor, case),
        create=lambda case: create_expertise(platform, actor, case),
        page={"title": _("Nouvelle expertise"), "saisine": None, "changed": False},
    )
