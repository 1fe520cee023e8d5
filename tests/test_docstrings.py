"""The examples in the docstrings run and give what they say."""

import doctest
import importlib
import pkgutil

import pytest

import geoplan

MODULES = sorted(m.name for m in pkgutil.walk_packages(geoplan.__path__, "geoplan.") if not m.name.endswith(("._arrange", ".__main__")))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
