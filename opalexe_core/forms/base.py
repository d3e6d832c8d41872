"""What every form shares: the CSRF token and French button labels."""

import colander
import deform


@colander.deferred
def _csrf_default(node, kw):
    return kw["request"].session.get_csrf_token()


class CSRFSchema(colander.MappingSchema):
    """Base schema of every form that changes state. Pyramid checks the token
    before the view runs (``require_csrf``); the field only carries it."""

    csrf_token = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget(), default=_csrf_default)


def make_form(schema_class, request, button_label, **kw) -> deform.Form:
    schema = schema_class().bind(request=request, **kw)
    return deform.Form(schema, buttons=(deform.Button("submit", button_label),), formid="form")

