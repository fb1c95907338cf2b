"""Access rows for the commissioners' insight: fill and uptake, and unmet demand, with their CSVs. Commissioners of
both bodies and administrators only; nobody is named on them."""
from . import NO_CHILD_RECORD
from .feedback import COMMISSIONERS

ROWS = [
    ("GET", "/insight/uptake", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/uptake.csv", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/demand", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/demand.csv", COMMISSIONERS, NO_CHILD_RECORD),
]
