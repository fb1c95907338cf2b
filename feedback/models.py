"""What a family said about one place on one delivered session, with the provider's public reply."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import User
from portal.timeutil import UTCDateTime, utcnow
from providers.models import Booking, Offer, Provider


class Feedback(db.Model):
    """One child's break, rated by the family that booked it (or the young person, on their own account).

    The offer and provider are kept beside the booking so that an offer page and a provider's list are read from
    this table alone. The family's name is never shown with it outside their own account."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_one_to_five"),
        Index("ix_feedback_offer_created", "offer_id", "created_at"),
        Index("ix_feedback_provider_created", "provider_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int]
    # Keys of feedback.services.CHILD_OUTCOMES and CARER_OUTCOMES.
    child_outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    carer_outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    easy_read: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A commissioner may hide the comment (never the rating), saying why; the hiding is audited.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # The provider's public reply, shown under the comment.
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    booking: Mapped[Booking] = relationship()
    offer: Mapped[Offer] = relationship()
    provider: Mapped[Provider] = relationship()
    given_by: Mapped[User | None] = relationship(foreign_keys=[given_by_id])

    @property
    def shown_comment(self) -> str | None:
        """The comment as others may read it: none once hidden."""
        return None if self.hidden_at is not None else self.comment
