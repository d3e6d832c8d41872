"""The plugin contract reads as a manual: every hook documented, well named."""

import inspect
import re

import pytest

from opalexe_core import hookspecs
from opalexe_core.plugins import make_plugin_manager

HOOKS = [name for name, obj in vars(hookspecs).items() if name.startswith("opalexe_") and inspect.isfunction(obj)]

REQUIRED = {
    "opalexe_case_name_compute",
    "opalexe_case_number_normalize",
    "opalexe_folder_tree_define",
    "opalexe_rights_matrix_amend",
    "opalexe_auth_providers_collect",
    "opalexe_tariff_lines_compute",
    "opalexe_document_deposited",
    "opalexe_expertise_status_changed",
    "opalexe_jurisdictions_collect",
    "opalexe_config_include",
}


def test_the_issue_s_hooks_are_declared():
    assert REQUIRED <= set(HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_each_hook_says_when_it_is_called_and_what_it_returns(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc, f"{name} has no docstring"
    assert re.search(r"\bCalled\b", doc), f"{name}: say when it is called"
    assert ":return:" in doc, f"{name}: say what it returns"


@pytest.mark.parametrize("name", HOOKS)
def test_hooks_are_registered_with_the_manager(name):
    pm = make_plugin_manager()
    assert hasattr(pm.hook, name)


def test_firstresult_hooks_are_the_single_answer_ones():
    pm = make_plugin_manager()
    first = {name for name in HOOKS if getattr(pm.hook, name).spec.opts.get("firstresult")}
    assert first == {
        "opalexe_case_name_compute",
        "opalexe_case_number_normalize",
        "opalexe_folder_tree_define",
        "opalexe_tariff_lines_compute",
    }
