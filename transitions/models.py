"""Growing up: each young person's way from children's to adults' services, from their 14th birthday to 25.

A young person known to the children's trust (an assessment, a request for one, or a personal budget) has one
``Transition`` from their 14th birthday. It has a ``TransitionStep`` for every stage, made with it: when each is due
(``TRANSITION_DUE`` in the config), when it was done, who recorded it and why. Its ``stage`` is the furthest stage
done (a cache of the steps, kept by the services). Preparing-for-adulthood reviews record progress on the SEND Code's
four outcomes, one ``PfaProgress`` per outcome, and every review is kept.

Once-only warnings are columns set by one conditional UPDATE (``overdue_flagged_at``, ``no_adult_budget_warned_at``):
of two runs at once, only the one whose UPDATE changed the row sends the emails.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import Date, Enum, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.i18n import N_
from portal.models import Child, User
from portal.timeutil import UTCDateTime, utcnow


class Stage(enum.Enum):
    """The stages in the order a young person goes through them."""

    IDENTIFIED = "identified"
    PFA_REVIEW = "pfa_review"
    ASSESSMENT_ASKED = "transition_assessment_asked"
    ASSESSMENT_DONE = "transition_assessment_done"
    CARER_ASKED = "carer_assessment_asked"
    CARER_DONE = "carer_assessment_done"
    ADULT_PACKAGE = "adult_package_agreed"
    HANDED_OVER = "handed_over"

    @property
    def label(self) -> str:
        return gettext(STAGE_LABELS[self])

    @property
    def order(self) -> int:
        return list(Stage).index(self)


STAGE_LABELS = {
    Stage.IDENTIFIED: N_("Identified"),
    Stage.PFA_REVIEW: N_("Preparing-for-adulthood review held"),
    Stage.ASSESSMENT_ASKED: N_("Care Act transition assessment asked for"),
    Stage.ASSESSMENT_DONE: N_("Care Act transition assessment done"),
    Stage.CARER_ASKED: N_("Carer’s assessment asked for"),
    Stage.CARER_DONE: N_("Carer’s assessment done"),
    Stage.ADULT_PACKAGE: N_("Adult package agreed"),
    Stage.HANDED_OVER: N_("Handed over to adult social care"),
}


class Transition(db.Model):
    __tablename__ = "transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), unique=True)
    # The furthest stage done (a cache of the steps).
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=32), default=Stage.IDENTIFIED,
                                         index=True)
    stage_on: Mapped[date] = mapped_column(Date)
    # One named lead across the whole way (a member of the trust's or adult social care's staff).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Told once that no adult budget was agreed three months before the 18th birthday.
    no_adult_budget_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    child: Mapped[Child] = relationship()
    owner: Mapped[User | None] = relationship()
    steps: Mapped[list[TransitionStep]] = relationship(back_populates="transition", order_by="TransitionStep.id",
                                                       cascade="all, delete-orphan")

    def step(self, stage: Stage) -> TransitionStep:
        return next(step for step in self.steps if step.stage is stage)


class TransitionStep(db.Model):
    __tablename__ = "transition_steps"
    __table_args__ = (UniqueConstraint("transition_id", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint (transition_id first).
    transition_id: Mapped[int] = mapped_column(ForeignKey("transitions.id", ondelete="CASCADE"))
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=32))
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    # Nobody, for "identified": the portal recorded it.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    transition: Mapped[Transition] = relationship(back_populates="steps")
    recorded_by: Mapped[User | None] = relationship()

    def overdue_on(self, today: date) -> bool:
        return self.done_on is None and self.due_on is not None and self.due_on <= today


class Outcome(enum.Enum):
    """The SEND Code of Practice's four preparing-for-adulthood outcomes (paragraph 8.5)."""

    EMPLOYMENT = "employment"
    INDEPENDENT_LIVING = "independent_living"
    COMMUNITY = "community"
    HEALTH = "health"

    @property
    def label(self) -> str:
        return gettext(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.EMPLOYMENT: N_("Employment"),
    Outcome.INDEPENDENT_LIVING: N_("Independent living"),
    Outcome.COMMUNITY: N_("Friends, relationships and community"),
    Outcome.HEALTH: N_("Good health"),
}


class Progress(enum.Enum):
    NOT_STARTED = "not_started"
    WORKING_TOWARDS = "working_towards"
    ACHIEVED = "achieved"

    @property
    def label(self) -> str:
        return gettext(PROGRESS_LABELS[self])


PROGRESS_LABELS = {Progress.NOT_STARTED: N_("Not started"), Progress.WORKING_TOWARDS: N_("Working towards it"),
                   Progress.ACHIEVED: N_("Achieved")}


class PfaReview(db.Model):
    """A preparing-for-adulthood review, as held with the young person: never changed, the next one is added."""

    __tablename__ = "pfa_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("transitions.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship()
    progress: Mapped[list[PfaProgress]] = relationship(order_by="PfaProgress.id", cascade="all, delete-orphan")


class PfaProgress(db.Model):
    __tablename__ = "pfa_progress"
    __table_args__ = (UniqueConstraint("review_id", "outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("pfa_reviews.id", ondelete="CASCADE"))  # indexed by the unique
    outcome: Mapped[Outcome] = mapped_column(Enum(Outcome, native_enum=False, length=24))
    progress: Mapped[Progress] = mapped_column(Enum(Progress, native_enum=False, length=20))
    note: Mapped[str | None] = mapped_column(Text)

