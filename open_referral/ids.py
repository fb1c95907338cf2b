"""The feed's ids. Open Referral v3 identifies every record by a UUID; the portal's rows have integer ids.

A record's UUID is derived, never stored: its first 80 bits name the portal (its BASE_URL) and the kind of record,
its last 48 bits are the row's id, and the version bits say 8 (RFC 9562's custom layout). So the same row has the
same UUID on every request and after every rebuild, two councils' feeds never share one, and a UUID in a request
leads straight back to its row. The vocabularies (taxonomies and their terms) are the same in every portal, so
their UUIDs are name-based (version 5) and do not depend on BASE_URL."""
from __future__ import annotations

import hashlib
import uuid

from flask import current_app

# Fixed for ever: changing it would change every taxonomy and term id that aggregators have stored.
VOCABULARY_NAMESPACE = uuid.UUID("0d6a5f38-6f4e-4b53-9c1e-5b2f1f0c7a11")
LARGEST_ROW_ID = 2**31 - 1  # ids are 32-bit in the database

SERVICE = "service"
ORGANIZATION = "organization"
LOCATION = "location"
SERVICE_AT_LOCATION = "service_at_location"
SERVICE_AREA = "service_area"
COST_OPTION = "cost_option"
FUNDING = "funding"
SERIES_SCHEDULE = "schedule/series"
SESSION_SCHEDULE = "schedule/session"


def _prefix(kind: str) -> bytes:
    scope = current_app.config.get("BASE_URL", "").rstrip("/")
    raw = bytearray(hashlib.sha256(f"{scope}\n{kind}".encode()).digest()[:10])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 9562 variant
    return bytes(raw)


def record_id(kind: str, row_id: int) -> str:
    return str(uuid.UUID(bytes=_prefix(kind) + row_id.to_bytes(6, "big")))


def row_id(kind: str, text: str) -> int | None:
    """The row a record's UUID stands for, or None when it is not one of this portal's ids of that kind."""
    try:
        raw = uuid.UUID(text).bytes
    except (ValueError, AttributeError, TypeError):
        return None
    number = int.from_bytes(raw[10:], "big")
    return number if raw[:10] == _prefix(kind) and 0 < number <= LARGEST_ROW_ID else None


def part_id(owner_id: str, part: str) -> str:
    """A record that exists only as part of another (a service's attribute, a location's accessibility entry)."""
    return str(uuid.uuid5(uuid.UUID(owner_id), part))


def vocabulary_id(*names: str) -> str:
    return str(uuid.uuid5(VOCABULARY_NAMESPACE, "/".join(names)))
