"""The store's tables (SQLAlchemy 2 declarative). Alembic migrations create them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Area(Base):
    """A place a figure is about: a local authority (la), ward, LSOA, YOT, force, region, country,
    or a non-borough row of a police file. Known by (kind, parent, name); the partnership's own
    local authorities are flagged."""

    __tablename__ = "areas"
    __table_args__ = (
        UniqueConstraint("kind", "parent", "name", name="uq_areas_kind_parent_name"),
        Index("ix_areas_name", "name"),  # a file's areas are found by their names
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="la")
    parent: Mapped[str] = mapped_column(String(200), default="")
    code: Mapped[str] = mapped_column(String(20), default="")
    in_partnership: Mapped[bool] = mapped_column(Boolean, default=False)


class Subgroup(Base):
    __tablename__ = "subgroups"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Indicator(Base):
    """A copy of the catalogue entry, kept so that stored figures always name a known indicator."""

    __tablename__ = "indicators"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    subgroup_id: Mapped[str] = mapped_column(ForeignKey("subgroups.id"))
    unit: Mapped[str] = mapped_column(String(20))
    polarity: Mapped[str] = mapped_column(String(20))
    aggregation: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(20))


class Submission(Base):
    """One loaded file: what it was, whose, and which periods it covers."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    vintage: Mapped[str | None] = mapped_column(String(100))
    vintage_end: Mapped[date | None] = mapped_column(Date)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="active")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)


class Observation(Base):
    """One figure: an indicator's value for an area and period, and the cell it came from."""

    __tablename__ = "observations"
    __table_args__ = (Index("ix_observations_lookup", "area_id", "indicator_id", "period_start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    breakdown: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    source_sheet: Mapped[str | None] = mapped_column(String(120))
    source_cell: Mapped[str | None] = mapped_column(Text)


class Target(Base):
    """An indicator's target and tolerance for one financial year (`financial_year` = start year)."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("indicator_id", "financial_year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    financial_year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    tolerance: Mapped[float] = mapped_column(Float)
    polarity: Mapped[str | None] = mapped_column(String(20))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")


class Commentary(Base):
    """The sub-group lead's narrative for an indicator, area and quarter."""

    __tablename__ = "commentary"
    __table_args__ = (UniqueConstraint("indicator_id", "area_id", "quarter_start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    quarter_start: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Action(Base):
    """A board action: what, who owns it, when it is due, and the figure it is about."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    indicator_id: Mapped[str | None] = mapped_column(ForeignKey("indicators.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    quarter_start: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)  # when the work began (else when it was added)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SignOff(Base):
    """An admin's sign-off of an area's quarter: the board's snapshot (figures as published, statuses,
    commentary, actions, completeness) frozen as JSON for meeting mode and the board pack. A later
    sign-off of the same quarter supersedes it; both are kept."""

    __tablename__ = "signoffs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    quarter_start: Mapped[date] = mapped_column(Date)
    signed_by: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(DateTime)
    data_as_at: Mapped[datetime | None] = mapped_column(DateTime)
    snapshot: Mapped[str] = mapped_column(Text)


class StoreVersion(Base):
    """One row counting the changes made to the store. Every app instance reads it on each rerun and
    keys its cached queries on it, so a change made anywhere shows everywhere at the next rerun."""

    __tablename__ = "store_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)


class RegisterItem(Base):
    """An entry of one of the partnership's registers (horizon scanning, risks, meetings, agenda items,
    decisions): a title, the sub-group it belongs to, its declared fields as JSON, and a version that
    every edit raises, so an edit made from an older version is refused."""

    __tablename__ = "register_items"
    __table_args__ = (Index("ix_register_items_register", "register"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("register_items.id"))
    subgroup_id: Mapped[str | None] = mapped_column(ForeignKey("subgroups.id"))
    title: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text, default="{}")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RegisterLink(Base):
    """A register item's link to something else: an indicator, sub-group, action or another item."""

    __tablename__ = "register_links"
    __table_args__ = (UniqueConstraint("item_id", "target", "target_id", name="uq_register_links"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("register_items.id"))
    target: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(100))


class Notification(Base):
    """An e-mail the dashboard sent (or tried to): `key` names what it is about, so it is never sent twice."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="sent")
    error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime)


class Unsubscribe(Base):
    """A person who asked for no more e-mails of a kind ('all' for every kind)."""

    __tablename__ = "unsubscribes"
    __table_args__ = (UniqueConstraint("email", "kind", name="uq_unsubscribes"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime)
