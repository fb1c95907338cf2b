"""Finds text a person would see that is not marked for translation, in templates and in Python.

    .venv/bin/python -m tests.unmarked [path ...]     # lists each unmarked string with its file and line

Templates are parsed with the portal's own Jinja environment: text between tags, user-visible attributes
(``alt``, ``title``, ``aria-label``, ``placeholder``...) and string constants in expressions (the "text" of a
GOV.UK macro's parameters, a ``set``, a macro's default) must be inside ``_()``/``ngettext()``/``{% trans %}``.
Python is parsed with ``ast``: every string literal that reads as words must be inside ``gettext``,
``lazy_gettext``, ``ngettext`` or ``N_``, unless it is a docstring, a log or command-line message, an
exception meant for programmers, SQL, or on a line that says why it is never shown (``# i18n: not shown (why)``)."""
from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jinja2 import nodes

ROOT = Path(__file__).resolve().parent.parent
# The areas whose Python serves people (CLI commands, the demo's data and benchmarks are for operators).
PYTHON_AREAS = ("portal", "providers", "budgets", "bookings", "local_offer", "statements", "privacy", "audit", "open_referral",
                "calendars")
SKIP_PYTHON = {"cli.py", "commands.py", "catalogs.py"}  # command-line tools: their output is for operators

GETTEXT_NAMES = {"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext", "_l", "lazy_ngettext",
                 "lazy_pgettext", "N_"}
# Calls whose string arguments are not shown to people.
QUIET_CALLS = {
    # templates
    "url_for", "startswith", "endswith", "get", "dict", "attr", "selectattr", "rejectattr", "map", "groupby",
    "replace", "split", "join", "strftime", "format", "sort", "sum", "url_in_language", "static", "csrf_token",
    "lower", "upper", "pop", "setdefault", "count", "index", "rstrip", "lstrip", "strip", "items", "values",
    # python
    "debug", "info", "warning", "error", "exception", "critical", "log", "echo", "secho", "print", "option",
    "argument", "command", "group", "text", "getenv", "environ", "render_template", "redirect", "abort",
    "mapped_column", "relationship", "Column", "ForeignKey", "String", "Enum", "Index", "UniqueConstraint",
    "CheckConstraint", "fromisoformat", "strptime", "Blueprint", "route", "post", "put", "patch", "delete",
    "add_url_rule", "send_file", "send_from_directory", "isinstance", "hasattr", "getattr", "setattr",
    "execute", "label", "literal_column", "cast", "func", "Decimal", "Path", "open", "compile", "match",
    "search", "sub", "fullmatch", "findall", "encode", "decode", "hexdigest", "header", "set_cookie",
    "Response", "make_response", "jsonify", "mimetype", "headers", "add_header", "bindparam", "namedtuple",
    "TypeVar", "StrEnum", "field", "dataclass", "removeprefix", "removesuffix", "partition", "rpartition",
    "writerow", "DictReader", "DictWriter", "reader", "writer", "fetch", "lock", "after_commit", "record",
    "HTML", "CSS", "write_pdf", "timedelta", "ZoneInfo", "add_template_filter", "add_template_global",
}
# Programmers' exceptions: their messages go to logs, not to people.
QUIET_EXCEPTIONS = {"ValueError", "RuntimeError", "TypeError", "KeyError", "AssertionError", "LookupError",
                    "NotImplementedError", "ClickException", "UsageError", "BadParameter", "Exception",
                    "AttributeError", "PermissionError", "OSError", "IndexError", "StripeError", "GatewayError"}
# Parameters of GOV.UK macros and HTML attributes that are identifiers, not words.
QUIET_KEYS = {"classes", "name", "id", "type", "autocomplete", "inputmode", "spellcheck", "href", "value",
              "idPrefix", "headingLevel", "role", "method", "action", "lang", "dir", "for", "rows", "width",
              "attributes", "formGroup", "prefix_id", "scope", "colspan", "format", "pattern", "accept",
              "describedBy", "module", "data-module", "target", "rel", "hreflang", "src", "alt_id", "fieldset_id",
              "variant", "tag", "status", "kind", "key", "code", "endpoint", "anchor", "icon", "colour", "class",
              "data_module", "rowspan", "step", "min", "max", "maxlength", "size", "language", "field", "param"}
VISIBLE_ATTRIBUTES = re.compile(
    r'\b(alt|title|aria-label|aria-description|placeholder|aria-roledescription|data-busy-message)="([^"{}]*)"')
# Attributes with no value, left between two expressions inside a tag: '" novalidate data-busy-message="'.
BARE_ATTRIBUTES = re.compile(r"\b(novalidate|hidden|disabled|checked|selected|required|multiple|readonly|autofocus|"
                             r"open|async|defer|download|inert)\b")
TAG = re.compile(r"<[^>]*>|<!--.*?-->", re.S)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
SCRIPT_OR_STYLE_END = re.compile(r"</(script|style)>", re.I)
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")
IDENTIFIER = re.compile(r"^[a-z0-9_.:/#!%@?=&*+\-\[\]]+$")
WORD = re.compile(r"[A-Za-z]{2,}")

# Words that stay as they are in every language: names and marks, not prose.
ALLOWED = {
    "GOV.UK", "Stripe", "PDF", "CSV", "SENDIASS", "API", "URL", "JSON", "GOV.UK Frontend", "iCalendar",
    "OpenAPI", "UTF-8", "Open Referral UK", "SQLite", "PostgreSQL", "Bearer", "ISO 8601",
}


@dataclass(frozen=True)
class Unmarked:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def reads_as_words(text: str) -> bool:
    """True for "Book a place" or "Save", false for "govuk-body-s", "auth.sign_in", "%Y" or " – "."""
    text = text.strip()
    if not WORD.search(text) or text in ALLOWED:
        return False
    tokens = text.split()
    if all(IDENTIFIER.match(token) for token in tokens):
        # lower-case tokens: one bare word (a value like "yes") or CSS classes and identifiers
        return len(tokens) > 1 and not all(("-" in t or "_" in t or "." in t) for t in tokens)
    return True


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# --- templates ------------------------------------------------------------------------------------------------

def _template_text(data: str) -> Iterator[str]:
    # A script or style whose opening tag holds an expression (nonce="{{ csp_nonce() }}") starts in the data
    # after it: its code runs up to the closing tag.
    closer = SCRIPT_OR_STYLE_END.search(data)
    if closer and not re.search(r"<(script|style)\b", data[:closer.start()], re.I):
        data = data[closer.end():]
    data = SCRIPT_OR_STYLE.sub(" ", data)
    for match in VISIBLE_ATTRIBUTES.finditer(data):
        yield match.group(2)
    # An expression inside a tag splits it: the data then starts inside a tag ('/x.ico">') or ends in one.
    opens, closes = data.find("<"), data.find(">")
    if closes != -1 and (opens == -1 or closes < opens):
        data = data[closes + 1:]
    if data.rfind("<") > data.rfind(">"):
        data = data[:data.rfind("<")]
    text = ENTITY.sub(" ", TAG.sub("\n", data))
    for piece in text.split("\n"):
        # attribute fragments left between two expressions: '" lang="', '" class="x'
        rest = re.sub(r'[\w:-]+="[^"]*"|[\w:-]+="[^"]*$|^[^"]*"|[\w:-]+=', "", piece.strip())
        if rest != piece.strip():  # it was inside a tag: bare attributes are not words either
            rest = BARE_ATTRIBUTES.sub("", rest)
        if piece.strip() and WORD.search(rest):
            yield piece.strip()


def _walk_template(node: nodes.Node, quiet: bool, out: list[tuple[int, str]]) -> None:
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in GETTEXT_NAMES:
        return
    if isinstance(node, (nodes.Call, nodes.Filter, nodes.Test)):
        name = getattr(node, "name", None) or (
            node.node.attr if isinstance(node.node, nodes.Getattr) else
            node.node.name if isinstance(node.node, nodes.Name) else None)
        quiet_call = name in QUIET_CALLS
        for child in node.iter_child_nodes():
            is_callee = isinstance(node, nodes.Call) and child is node.node
            _walk_template(child, quiet or (quiet_call and not is_callee) or isinstance(node, nodes.Test), out)
        return
    if isinstance(node, nodes.TemplateData):
        for text in _template_text(node.data):
            if reads_as_words(text):
                out.append((node.lineno, text))
        return
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        if not quiet and any(reads_as_words(text) for text in _template_text(node.value)):
            out.append((node.lineno, node.value))
        return
    if isinstance(node, nodes.Pair):
        key = node.key.value if isinstance(node.key, nodes.Const) else None
        _walk_template(node.value, quiet or key in QUIET_KEYS, out)
        return
    if isinstance(node, nodes.Keyword):
        _walk_template(node.value, quiet or node.key in QUIET_KEYS, out)
        return
    if isinstance(node, (nodes.Compare, nodes.Getitem, nodes.Operand)):
        for child in node.iter_child_nodes():
            _walk_template(child, True, out)
        return
    for child in node.iter_child_nodes():
        _walk_template(child, quiet, out)


def unmarked_in_template(env, path: Path) -> list[Unmarked]:
    source = path.read_text(encoding="utf-8")
    found: list[tuple[int, str]] = []
    _walk_template(env.parse(source), False, found)
    return [Unmarked(_name(path), line, text) for line, text in found]


# --- python ---------------------------------------------------------------------------------------------------

def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


class _PythonStrings(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []
        self.quiet = 0

    def _quietly(self, node: ast.AST) -> None:
        self.quiet += 1
        self.generic_visit(node)
        self.quiet -= 1

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name in GETTEXT_NAMES or name in QUIET_CALLS or name in QUIET_EXCEPTIONS:
            self._quietly(node)
        else:
            self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc
        if isinstance(exc, ast.Call) and _call_name(exc) in QUIET_EXCEPTIONS:
            self._quietly(node)
        else:
            self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:  # docstrings and other bare strings
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        self._quietly(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        self._quietly(node.slice)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if key is not None:
                self._quietly(key)
            self.visit(value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        if not self.quiet and reads_as_words(text):
            self.found.append((node.lineno, text))
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value)

    def visit_Constant(self, node: ast.Constant) -> None:
        text = node.value.strip() if isinstance(node.value, str) else ""
        # words with a space, or one capitalised word ("Save", "Autism"); "provider" or "Provider.id" are names
        if not self.quiet and reads_as_words(text) and (" " in text or re.fullmatch(r"[A-Z][a-z]+", text)):
            self.found.append((node.lineno, node.value))


def unmarked_in_python(path: Path) -> list[Unmarked]:
    source = path.read_text(encoding="utf-8")
    visitor = _PythonStrings()
    visitor.visit(ast.parse(source))
    lines = source.splitlines()
    name = _name(path)
    # A line may say why its words are never shown to a person: "# i18n: not shown (the ledger check's report)".
    return [Unmarked(name, line, text) for line, text in visitor.found if NOT_SHOWN not in lines[line - 1]]


NOT_SHOWN = "# i18n: not shown"


def template_files() -> list[Path]:
    return sorted(p for p in (ROOT / "templates").rglob("*") if p.suffix in (".html", ".txt"))


def python_files() -> list[Path]:
    return sorted(p for area in PYTHON_AREAS for p in (ROOT / area).rglob("*.py") if p.name not in SKIP_PYTHON)


def everything_unmarked(env, only: list[Path] | None = None) -> list[Unmarked]:
    found: list[Unmarked] = []
    for path in template_files():
        if only is None or any(path.is_relative_to(o) for o in only):
            found += unmarked_in_template(env, path)
    for path in python_files():
        if only is None or any(path.is_relative_to(o) for o in only):
            found += unmarked_in_python(path)
    return found


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from portal import create_app

    app = create_app("test")
    paths = [Path(arg).resolve() for arg in sys.argv[1:]] or None
    problems = everything_unmarked(app.jinja_env, paths)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} unmarked", file=sys.stderr)
    sys.exit(1 if problems else 0)
