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


def make_form(schema_class, request, button_label, **kw) -> deform.Form:
    """The form, without autofocus: a page opens at its top, where a screen
    reader starts, not inside the first field."""
    schema = schema_class().bind(request=request, **kw)
    return deform.Form(schema, buttons=(deform.Button("submit", button_label),), formid="form", focus="off")



def refusal(form: deform.Form, appstruct: dict, error) -> str:
    """The form rendered again with ``appstruct`` and a service's refusal
    (:class:`~opalexe_core.contract.UserError`): beside the field it names,
    or at the top of the form."""
    top = colander.Invalid(form.schema, None if error.field in form.schema else error.message)
    if error.field in form.schema:
        child = form.schema[error.field]
        top.add(colander.Invalid(child, error.message), form.schema.children.index(child))
    form.widget.handle_error(form, top)
    form.cstruct = form.schema.serialize(appstruct)
    return form.render()
