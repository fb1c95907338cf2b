"""Access rows for the commissioners' insight: fill and uptake, unmet demand and the "So what?" summary, with their
CSVs (and the summary's PDF). Commissioners of both bodies and administrators only; nobody is named on them."""
from . import NO_CHILD_RECORD
from .feedback import COMMISSIONERS

ROWS = [
    ("GET", "/insight/uptake", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/uptake.csv", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/demand", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/demand.csv", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/summary", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/summary.csv", COMMISSIONERS, NO_CHILD_RECORD),
    ("GET", "/insight/summary.pdf", COMMISSIONERS, NO_CHILD_RECORD),
]
