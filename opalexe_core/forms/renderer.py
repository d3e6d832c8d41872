"""Deform renders with Chameleon from our ``templates/deform`` overrides, then
Deform's own templates, translating through the request's localizer.

The overrides (text input, select, checkbox) are Deform 3.0.1's templates
plus ``aria-invalid`` and ``aria-describedby`` (from :func:`aria_describedby`,
given to every widget template), so that assistive technologies say which
field is invalid and read its error message.
"""

import importlib.resources
import os

from deform import Form, ZPTRendererFactory
from pyramid.i18n import get_localizer
from pyramid.threadlocal import get_current_request

from ..settings import DEFAULT_TEMPLATES_DIR


def translate(term):
    request = get_current_request()
    return get_localizer(request).translate(term) if request is not None else term


def aria_describedby(field) -> str | None:
    """The ids of the texts describing ``field``, as Deform's ``mapping_item.pt``
    writes them: its error messages (``error-<oid>``, then ``error-<oid>-1``…)
    and its description (``help-<oid>``); ``None`` when there are none."""
    ids = []
    if field.error is not None:
        messages = field.error.messages()
        ids += [f"error-{field.oid}" if index == 0 else f"error-{field.oid}-{index}" for index in range(len(messages))]
    if field.description:
        ids.append(f"help-{field.oid}")
    return " ".join(ids) or None


class Renderer(ZPTRendererFactory):
    """Deform's renderer, giving every template :func:`aria_describedby`."""

    def __call__(self, template_name, **kw):
        kw.setdefault("aria_describedby", aria_describedby)
        return super().__call__(template_name, **kw)


def includeme(config):
    # An operator's templates_dir may override some widgets; ours fill the rest.
    overrides = dict.fromkeys(
        os.path.join(folder, "deform") for folder in (config.registry.opalexe.templates_dir, DEFAULT_TEMPLATES_DIR)
    )
    search_path = (*overrides, str(importlib.resources.files("deform") / "templates"))
    Form.set_default_renderer(Renderer(search_path, translator=translate))
