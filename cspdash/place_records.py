"""What a map of small areas shows: typed records the board service hands every view (page, meeting
mode, pack), so that the map, its table and its text alternative are one set of figures.

Every figure here is published (under the disclosure policy, for every audience): a hidden figure is
`None`, never a number, and nothing derived from it (rate, class, change) is kept either."""

from __future__ import annotations

from dataclasses import dataclass, field

CHANGE_UP, CHANGE_DOWN, NO_CHANGE = "up", "down", ""


@dataclass(frozen=True)
class Place:
    """One small area (LSOA, ward or borough) in one period."""

    code: str  # ONS code, e.g. E01001714 (LSOA 2021), E05009367 (ward), E09000012 (borough)
    name: str  # e.g. "Hackney 002A"
    count: float | None  # the period's published count; None when hidden
    previous: float | None  # the same period a year earlier, published; None when hidden or absent
    residents: int | None  # the population the rate is per (None: no population fits its boundary)
    rate: float | None  # per 1,000 residents; None when hidden or no population fits
    band: int | None  # index into PlaceMap.bands; None when hidden
    change: str = NO_CHANGE  # CHANGE_UP / CHANGE_DOWN when beyond chance (99.8%), else ""
    change_words: str = ""  # e.g. "up from 31 to 58, beyond chance"; "" when not tested
    hotspot: bool = False  # above the area's average beyond the 99.8% limit
    highlight: str = ""  # for borough maps: "area", "similar" or ""

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class PlaceMap:
    """One indicator's figures for every small area of a kind within an area, for one period."""

    area: str  # the partnership area, e.g. "Hackney" (for a borough map: the area outlined)
    area_code: str  # E09000012
    level: str  # "lsoa", "ward" or "borough"
    indicator_id: str
    indicator_name: str
    period: str  # e.g. "2025/26 Q3 (October to December 2025)"
    previous_period: str  # e.g. "2024/25 Q3"
    measure: str  # "rate" (per 1,000 residents) or "count"
    places: tuple[Place, ...]
    bands: tuple[str, ...]  # legend words, lightest first; a place's band indexes this
    hidden_label: str  # what a hidden figure is shown as, e.g. "Hidden: fewer than 5, or would reveal one"
    finding: str  # the text alternative: the finding in one or two sentences
    method: str  # how it was made, in plain words: classes, population, smoothing (none), disclosure, change
    source: str  # the release, e.g. "MPS LSOA 2024-02 to 2026-02"
    attribution: str  # the boundaries' licence line, shown on every map
    level_words: tuple[str, str] = ("LSOA", "LSOAs")
    statistics: str = ""  # for analysts: the funnel's dispersion and the change test's, in figures
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. why there is no ward map

    @property
    def shown(self) -> tuple[Place, ...]:
        return tuple(p for p in self.places if not p.hidden)

    @property
    def hidden_count(self) -> int:
        return sum(p.hidden for p in self.places)

    @property
    def hotspot_words(self) -> str:
        """What a marked place is: above the area's average (or, on a borough map, London's) beyond chance."""
        return (
            "Above London beyond chance" if self.level == "borough" else f"Above the {self.area} average beyond chance"
        )


@dataclass(frozen=True)
class PlaceDetail:
    """One small area's drill-down: an indicator month by month and the quarter's crime types."""

    code: str
    name: str
    indicator_name: str
    months: tuple[tuple[str, float | None], ...]  # (month, e.g. "Oct 2025", published count or None when hidden)
    types: tuple[
        tuple[str, float | None], ...
    ]  # (indicator name, the quarter's published count or None), largest first
    quarter: str
    spc_ready: bool  # enough months, none hidden, for a control chart
    spc: object | None = None  # the months' XmR chart (`cspdash.spc.SpcChart`) when spc_ready
    unit_words: str = "crimes"
    note: str = ""  # e.g. months left out because the release barely covers them

    @property
    def hidden_months(self) -> int:
        return sum(value is None for _, value in self.months)
