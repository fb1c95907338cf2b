"""Private calendar addresses: a family's, or a provider organisation's."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import User
from portal.timeutil import UTCDateTime, utcnow
from providers.models import Provider


class CalendarLink(db.Model):
    """The secret in a private calendar's address, for one family or one provider. Only a SHA-256 hash of it is
    kept (like an API token's): the address is shown once, when it is made; making it again (a reset) stops the
    old one working."""

    __tablename__ = "calendar_links"
    __table_args__ = (CheckConstraint("(family_id IS NULL) <> (provider_id IS NULL)", name="one_owner"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[User | None] = relationship(foreign_keys=[family_id])
    provider: Mapped[Provider | None] = relationship()
