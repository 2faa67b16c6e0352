"""The partnership's registers, each declared once: horizon scanning, risks, and the forward plan
(meetings with their timed agenda items, and the decisions log).

A declaration says which fields a register's items have (type, choices, label, whether required,
and which a board member sees first) and what an item may link to. The store checks every change
against it (cspdash/store/registers.py); the board service hands out the typed records built here
(HorizonItem, Risk, Meeting with its AgendaItems, Decision) from the stored rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

PESTLE = ("Political", "Economic", "Social", "Technological", "Legal", "Environmental")
HORIZONS = ("0–6 months", "6–18 months", "18+ months")
RESPONSES = ("note", "monitor", "act", "move to the risk register")
TREATMENTS = ("tolerate", "treat", "transfer", "terminate")
RISK_STATUSES = ("open", "closed")
PURPOSES = ("decision", "discussion", "information", "assurance")
LINK_TARGETS = ("indicator", "subgroup", "action", "horizon", "risk")


@dataclass(frozen=True)
class Field:
    """One declared field: `kind` is text, choice, score (a whole number 1–5), date, time (HH:MM) or
    minutes (a whole number of minutes, 1–600)."""

    name: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    required: bool = False
    first: bool = False  # a board member sees it in the list
    default: object = None


@dataclass(frozen=True)
class Register:
    name: str  # as stored in register_items.register
    label: str  # an item of it, in words: "risk"
    title_label: str  # what its title is called on a form
    fields: tuple[Field, ...]
    links: tuple[str, ...] = ()  # what an item may link to (LINK_TARGETS)
    parent: str | None = None  # the register its items belong to (agenda items and decisions: a meeting)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _score(name: str, label: str) -> Field:
    return Field(name, label, "score", required=True, first=True, default=3)


REGISTERS: dict[str, Register] = {
    r.name: r
    for r in (
        Register(
            "horizon",
            "horizon-scanning item",
            "What is coming",
            (
                Field("category", "PESTLE category", "choice", PESTLE, required=True, first=True),
                Field("source", "Source"),
                Field("date", "Date noted", "date"),
                Field("horizon", "Horizon", "choice", HORIZONS, required=True, first=True),
                _score("likelihood", "Likelihood (1–5)"),
                _score("impact", "Impact (1–5)"),
                Field("owner", "Owner", first=True),
                Field("response", "Response", "choice", RESPONSES, required=True, first=True, default="note"),
                Field("review_date", "Review date", "date", first=True),
            ),
            links=("indicator", "subgroup", "risk"),
        ),
        Register(
            "risk",
            "risk",
            "Description",
            (
                Field("owner", "Owner", required=True, first=True),
                _score("inherent_likelihood", "Inherent likelihood (1–5)"),
                _score("inherent_impact", "Inherent impact (1–5)"),
                _score("residual_likelihood", "Residual likelihood (1–5)"),
                _score("residual_impact", "Residual impact (1–5)"),
                Field("controls", "Controls"),
                Field("treatment", "Treatment", "choice", TREATMENTS, required=True, first=True, default="treat"),
                Field("review_date", "Review date", "date", first=True),
                Field("status", "Status", "choice", RISK_STATUSES, required=True, first=True, default="open"),
            ),
            links=("indicator", "action", "subgroup", "horizon"),
        ),
        Register(
            "meeting",
            "meeting",
            "Meeting",
            (Field("date", "Date", "date", required=True, first=True), Field("place", "Place", first=True)),
        ),
        Register(
            "agenda",
            "agenda item",
            "Agenda item",
            (
                Field("start", "Start time (HH:MM)", "time", required=True, first=True, default="10:00"),
                Field("minutes", "Minutes", "minutes", required=True, first=True, default=15),
                Field("lead", "Lead", first=True),
                Field("purpose", "Purpose", "choice", PURPOSES, required=True, first=True, default="discussion"),
                Field("paper", "Paper"),
            ),
            parent="meeting",
        ),
        Register("decision", "decision", "Decision", (), links=("action",), parent="meeting"),
    )
}
# The pages and the command line name a register as people say it.
ALIASES = {"horizon": "horizon", "risks": "risk", "risk": "risk", "meetings": "meeting", "meeting": "meeting"}
ALIASES |= {"agenda": "agenda", "decisions": "decision", "decision": "decision", "forward_plan": "meeting"}


def band(score: int) -> str:
    """A likelihood × impact score (1–25) in plain English."""
    return "very high" if score >= 15 else "high" if score >= 10 else "medium" if score >= 5 else "low"


def scored(score: int) -> str:
    """A score with its band, as the registers' lists show it: "20 (very high)"."""
    return f"{score} ({band(score)})"


def _day(value) -> date | None:
    return date.fromisoformat(value) if value else None


def _links(row: dict, target: str) -> tuple[str, ...]:
    return tuple(row.get("links", {}).get(target, ()))


@dataclass(frozen=True)
class Item:
    id: int
    version: int
    title: str
    subgroup_id: str | None
    updated_by: str
    updated_at: datetime


def _base(row: dict) -> dict:
    names = ("id", "version", "title", "subgroup_id", "updated_by", "updated_at")
    return {name: row[name] for name in names}


@dataclass(frozen=True)
class HorizonItem(Item):
    category: str
    source: str
    noted: date | None
    horizon: str
    likelihood: int
    impact: int
    owner: str
    response: str
    review_date: date | None
    indicators: tuple[str, ...] = ()
    subgroups: tuple[str, ...] = ()
    risks: tuple[int, ...] = ()

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    def review_due(self, today: date) -> bool:
        return self.review_date is not None and self.review_date <= today


@dataclass(frozen=True)
class Risk(Item):
    owner: str
    inherent_likelihood: int
    inherent_impact: int
    residual_likelihood: int
    residual_impact: int
    controls: str
    treatment: str
    review_date: date | None
    status: str
    indicators: tuple[str, ...] = ()
    actions: tuple[int, ...] = ()
    subgroups: tuple[str, ...] = ()
    horizon_items: tuple[int, ...] = ()

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def residual_score(self) -> int:
        return self.residual_likelihood * self.residual_impact

    @property
    def band(self) -> str:
        return band(self.residual_score)


@dataclass(frozen=True)
class AgendaItem(Item):
    meeting_id: int
    start: time
    minutes: int
    lead: str
    purpose: str
    paper: str

    @property
    def end(self) -> time:
        return (datetime.combine(date(2000, 1, 1), self.start) + timedelta(minutes=self.minutes)).time()

    @property
    def times(self) -> str:
        """When it is taken, as an agenda shows it: "10:00–10:20"."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class Decision(Item):
    meeting_id: int
    actions: tuple[int, ...] = ()


@dataclass(frozen=True)
class Meeting(Item):
    date: date
    place: str
    agenda: tuple[AgendaItem, ...] = field(default=())
    decisions: tuple[Decision, ...] = field(default=())

    @property
    def subgroup_order(self) -> tuple[str, ...]:
        """The sub-groups its agenda items are about, in the agenda's time order, each once: the order
        meeting mode and the board pack can take the sub-groups' screens in."""
        return tuple(dict.fromkeys(a.subgroup_id for a in self.agenda if a.subgroup_id))


def horizon_item(row: dict) -> HorizonItem:
    return HorizonItem(
        **_base(row),
        category=row.get("category", ""),
        source=row.get("source", ""),
        noted=_day(row.get("date")),
        horizon=row.get("horizon", ""),
        likelihood=int(row["likelihood"]),
        impact=int(row["impact"]),
        owner=row.get("owner", ""),
        response=row.get("response", ""),
        review_date=_day(row.get("review_date")),
        indicators=_links(row, "indicator"),
        subgroups=_links(row, "subgroup"),
        risks=tuple(int(i) for i in _links(row, "risk")),
    )


def risk(row: dict) -> Risk:
    scores = {f: int(row[f]) for f in ("inherent_likelihood", "inherent_impact", "residual_likelihood")}
    return Risk(
        **_base(row),
        **scores,
        residual_impact=int(row["residual_impact"]),
        owner=row.get("owner", ""),
        controls=row.get("controls", ""),
        treatment=row.get("treatment", ""),
        review_date=_day(row.get("review_date")),
        status=row.get("status", "open"),
        indicators=_links(row, "indicator"),
        actions=tuple(int(i) for i in _links(row, "action")),
        subgroups=_links(row, "subgroup"),
        horizon_items=tuple(int(i) for i in _links(row, "horizon")),
    )


def agenda_item(row: dict) -> AgendaItem:
    return AgendaItem(
        **_base(row),
        meeting_id=int(row["parent_id"]),
        start=time.fromisoformat(row["start"]),
        minutes=int(row["minutes"]),
        lead=row.get("lead", ""),
        purpose=row.get("purpose", ""),
        paper=row.get("paper", ""),
    )


def decision(row: dict) -> Decision:
    return Decision(
        **_base(row), meeting_id=int(row["parent_id"]), actions=tuple(int(i) for i in _links(row, "action"))
    )


def meetings(rows: list[dict], agenda_rows: list[dict], decision_rows: list[dict]) -> tuple[Meeting, ...]:
    """Meetings, soonest date first, each with its agenda in time order and its decisions."""
    agenda = sorted((agenda_item(r) for r in agenda_rows), key=lambda a: (a.start, a.id))
    decided = [decision(r) for r in decision_rows]
    built = [
        Meeting(
            **_base(row),
            date=date.fromisoformat(row["date"]),
            place=row.get("place", ""),
            agenda=tuple(a for a in agenda if a.meeting_id == row["id"]),
            decisions=tuple(d for d in decided if d.meeting_id == row["id"]),
        )
        for row in rows
    ]
    return tuple(sorted(built, key=lambda m: (m.date, m.id)))


BUILDERS = {"horizon": horizon_item, "risk": risk, "agenda": agenda_item, "decision": decision}


def next_meeting(all_meetings: tuple[Meeting, ...], today: date) -> Meeting | None:
    """The first meeting on or after today, if any."""
    return next((m for m in all_meetings if m.date >= today), None)


REVIEW_WINDOW_DAYS = 183  # a quarter is reviewed at a meeting within about two quarters of its end


def reviewing(all_meetings: tuple[Meeting, ...], quarter_end: date) -> Meeting | None:
    """The meeting that reviews a quarter: the first held after the quarter ends, within about two
    quarters of it (a later one reviews a later quarter)."""
    window = quarter_end + timedelta(days=REVIEW_WINDOW_DAYS)
    return next((m for m in all_meetings if quarter_end < m.date <= window), None)


def agenda_record(meeting: Meeting, subgroup_names: dict[str, str]) -> dict:
    """A meeting's agenda as plain JSON for the board's snapshot (meeting mode and the pack follow it)."""
    return {
        "meeting": meeting.title,
        "date": meeting.date.isoformat(),
        "place": meeting.place,
        "items": [
            {
                "times": item.times,
                "title": item.title,
                "lead": item.lead,
                "purpose": item.purpose,
                "paper": item.paper,
                "subgroup": subgroup_names.get(item.subgroup_id or "", ""),
            }
            for item in meeting.agenda
        ],
    }
