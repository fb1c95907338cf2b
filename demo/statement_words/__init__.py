"""The demo statement's words: English (en.py) and a faithful translation into each of the portal's other languages,
one module each, named by language code (pa-Arab's is pa_Arab.py). A language added to the portal without a module
here is left out of the demo statement, which then shows it the English sections marked as not translated yet."""
from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from portal.i18n import LANGUAGES


def _module_name(code: str) -> str:
    return f"{__name__}.{code.replace('-', '_')}"


def texts(code: str) -> ModuleType:
    """The module holding TITLE and SECTIONS in the language with this code."""
    return import_module(_module_name(code))


def every_language() -> dict[str, ModuleType]:
    """The demo statement's words in each language the portal speaks that it has been written in."""
    return {code: texts(code) for code in LANGUAGES if find_spec(_module_name(code)) is not None}
