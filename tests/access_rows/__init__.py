"""The route × role access table, one module per area. Each module has ROWS = [(method, rule, expectations)]
and may have ``world(users, values) -> dict`` adding the objects its URL parameters need, and
``restore(values)`` undoing what a row's successful POST changed in them (so later rows see the same world)."""
from __future__ import annotations

import importlib
import pkgutil

ROLES = ["anonymous", "parent", "young_person", "provider", "council", "trust", "admin"]
OK, LOGIN, DENY, HIDDEN = 200, "login", 403, 404

PUBLIC = {r: OK for r in ROLES}
FAMILY = {"anonymous": LOGIN, "parent": OK, "young_person": OK, "provider": DENY, "council": DENY, "trust": DENY,
          "admin": DENY}
# The objects belong to the parent's family: the young person holds a family account too, but not this one.
FAMILY_OWNED = dict(FAMILY, young_person=HIDDEN)
TRUST = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": DENY, "council": DENY, "trust": OK,
         "admin": OK}
SIGNED_IN = {r: (LOGIN if r == "anonymous" else OK) for r in ROLES}
SIGN_OUT = {r: (LOGIN if r == "anonymous" else 302) for r in ROLES}

ACCESS_ROWS = []
EXTRA_WORLD = []
EXTRA_RESTORE = []
for _module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    _module = importlib.import_module(f"{__name__}.{_module_info.name}")
    ACCESS_ROWS.extend(_module.ROWS)
    if hasattr(_module, "world"):
        EXTRA_WORLD.append(_module.world)
    if hasattr(_module, "restore"):
        EXTRA_RESTORE.append(_module.restore)
