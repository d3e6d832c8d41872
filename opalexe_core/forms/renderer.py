"""Deform renders with Chameleon from our ``templates/deform`` overrides, then
Deform's own templates, translating through the request's localizer."""

import importlib.resources
import os

from deform import Form, ZPTRendererFactory
from pyramid.i18n import get_localizer
from pyramid.threadlocal import get_current_request


def translate(term):
    request = get_current_request()
    return get_localizer(request).translate(term) if request is not None else term


def includeme(config):
    search_path = (
        os.path.join(config.registry.opalexe.templates_dir, "deform"),
        str(importlib.resources.files("deform") / "templates"),
    )
    Form.set_default_renderer(ZPTRendererFactory(search_path, translator=translate))
