"""What every form shares: the CSRF token and French button labels."""

import colander
import deform

from ..i18n import _


@colander.deferred
def _csrf_default(node, kw):
    return kw["request"].session.get_csrf_token()


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _strings(item)


def _readable_text(node, appstruct):
    """WebOb decodes undecodable bytes as U+FFFD: a name made of them would be
    stored as « � ». Refuse the form instead (nobody types that character)."""
    if any("\ufffd" in text for text in _strings(appstruct)):
        raise colander.Invalid(
            node, _("Le formulaire contient des caractères illisibles : vérifiez l'encodage du texte envoyé (UTF-8).")
        )


class CSRFSchema(colander.MappingSchema):
    """Base schema of every form that changes state. Pyramid checks the token
    before the view runs (``require_csrf``); the field only carries it. Every
    field's text must have been readable (see :func:`_readable_text`)."""

    def validator(self, node, appstruct):
        _readable_text(node, appstruct)

    csrf_token = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget(), default=_csrf_default)


#: What a required field left empty says (colander's own says « Requis »).
REQUIRED = _("Ce champ est obligatoire.")


def squash(value):
    """Runs of spaces as one, no space at either end."""
    return " ".join(value.split()) if isinstance(value, str) else value


def name_node(title, max_length: int = 100, **kw) -> colander.SchemaNode:
    """A person's or a party's name: spaces squashed, required, so that a
    name made of spaces only is refused as missing."""
    return colander.SchemaNode(
        colander.String(), title=title, preparer=squash,
        validator=colander.Length(
            1, max_length, min_err=_("Ce champ est obligatoire."), max_err=_("${max} caractères au plus.")
        ),
        **kw,
    )


def make_form(schema_class, request, button_label=None, *, buttons=None, formid: str = "form", counter=None,
              action: str = "", **kw) -> deform.Form:
    """The form, without autofocus: a page opens at its top, where a screen
    reader starts, not inside the first field. Several forms on one page
    share a ``counter`` (``itertools.count()``), so that their fields' ids differ."""
    schema = schema_class().bind(request=request, **kw)
    if buttons is None:
        buttons = (deform.Button("submit", button_label),)
    return deform.Form(schema, buttons=buttons, formid=formid, focus="off", counter=counter, action=action)


def node_path(schema, name: str | None) -> list:
    """The nodes from ``schema`` (excluded) down to the first node called
    ``name``, depth first; empty when there is none."""
    if not name:
        return []
    for child in schema.children:
        if child.name == name:
            return [child]
        below = node_path(child, name)
        if below:
            return [child, *below]
    return []


def refusal(form: deform.Form, appstruct: dict, error) -> str:
    """The form rendered again with ``appstruct`` and a service's refusal
    (:class:`~opalexe_core.contract.UserError`): beside the field it names,
    wherever that field is in the form's sections, or at the top of the form."""
    path = node_path(form.schema, error.field)
    top = colander.Invalid(form.schema, None if path else error.message)
    parent_error, parent_node = top, form.schema
    for depth, node in enumerate(path):
        child_error = colander.Invalid(node, error.message if depth == len(path) - 1 else None)
        parent_error.add(child_error, parent_node.children.index(node))
        parent_error, parent_node = child_error, node
    form.widget.handle_error(form, top)
    form.cstruct = form.schema.serialize(appstruct)
    return form.render()
