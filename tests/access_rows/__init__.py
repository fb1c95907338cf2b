"""The route × role access table, one module per area. Each module has
ROWS = [(method, rule, expectations, shows)] and may have ``world(users, values) -> dict`` adding the objects its
URL parameters need, and ``restore(values)`` undoing what a row's successful POST changed in them (so later rows
see the same world).

``shows`` says whether the route shows a child's record, and so whether looking is audited (portal.audit):
CHILD_RECORD: it shows children's data to people other than their family. Every role that gets a 2xx, other
  than the world child's own family, must add a "viewed" entry about the world's child (Zebedee).
FAMILY_OWN: it shows a family's own children to that family only; a family looking at its own is not recorded.
NO_CHILD_RECORD: it shows no child's data.
Neither of the last two may record a view. A row without ``shows`` fails tests/test_access.py until classified."""
from __future__ import annotations

import importlib
import pkgutil

ROLES = ["anonymous", "parent", "young_person", "provider", "council", "trust", "adults", "admin"]
OK, LOGIN, DENY, HIDDEN = 200, "login", 403, 404
# 200, but the page is one of the role's own lists, which the world's child is not on (adult social care's list of
# personal budgets, where the child's budgets are the trust's): it must not record a view of the child.
EMPTY = "200, without the world's child"

PUBLIC = {r: OK for r in ROLES}
FAMILY = {"anonymous": LOGIN, "parent": OK, "young_person": OK, "provider": DENY, "council": DENY, "trust": DENY,
          "adults": DENY, "admin": DENY}
# The objects belong to the parent's family: the young person holds a family account too, but not this one.
FAMILY_OWNED = dict(FAMILY, young_person=HIDDEN)
TRUST = {"anonymous": LOGIN, "parent": DENY, "young_person": DENY, "provider": DENY, "council": DENY, "trust": OK,
         "adults": DENY, "admin": OK}
# The resource panels: the trust's and adult social care's.
PANELS = dict(TRUST, adults=OK)
PANELS_POSTED_NOTHING = dict(PANELS, trust=422, adults=422, admin=422)
SIGNED_IN = {r: (LOGIN if r == "anonymous" else OK) for r in ROLES}
SIGN_OUT = {r: (LOGIN if r == "anonymous" else 302) for r in ROLES}

CHILD_RECORD, FAMILY_OWN, NO_CHILD_RECORD = "child record", "family's own", "no child record"
SHOWS = (CHILD_RECORD, FAMILY_OWN, NO_CHILD_RECORD)

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
