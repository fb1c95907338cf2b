"""Access rows for the Open Referral UK feed (open_referral/): public and read-only, whoever asks; it shows no
child's record. The world's offer (published, by an approved provider) is the service the item rows ask for."""
from open_referral import ids
from open_referral.taxonomies import NEED, TAXONOMIES, term

from . import NO_CHILD_RECORD, PUBLIC

FEED = "/openreferral/v3"

ROWS = [
    ("GET", f"{FEED}/", PUBLIC, NO_CHILD_RECORD),
    ("GET", f"{FEED}/services", PUBLIC, NO_CHILD_RECORD),
    ("GET", f"{FEED}/services/<service_id>", PUBLIC, NO_CHILD_RECORD),
    ("GET", f"{FEED}/service_at_locations", PUBLIC, NO_CHILD_RECORD),
    ("GET", f"{FEED}/service_at_locations/<service_at_location_id>", PUBLIC, NO_CHILD_RECORD),
    ("GET", f"{FEED}/taxonomies", PUBLIC, NO_CHILD_RECORD),
    ("GET", f"{FEED}/taxonomies/<taxonomy_id>", PUBLIC, NO_CHILD_RECORD),
    ("GET", f"{FEED}/taxonomy_terms", PUBLIC, NO_CHILD_RECORD),
    ("GET", f"{FEED}/taxonomy_terms/<taxonomy_term_id>", PUBLIC, NO_CHILD_RECORD),
]


def world(users, values):
    return {"service_id": ids.record_id(ids.SERVICE, values["offer_id"]),
            "service_at_location_id": ids.record_id(ids.SERVICE_AT_LOCATION, values["offer_id"]),
            "taxonomy_id": TAXONOMIES[NEED].id, "taxonomy_term_id": term(NEED, "autism").id}
