"""The board service: the one way any output gets an area's quarter.

Overview, sub-group pages, areas side by side, meeting mode, sign-off, the board pack, the `board`
and `export` commands all read their figures from a `BoardService`, made for one audience:

- `Audience.PUBLIC` (viewers, exports, papers): every figure under the disclosure policy;
- `Audience.ANALYST` (analysts, admins): figures as stored, each marked with how it is published.

Disclosure is applied here, at the boundary, so a new page or output cannot forget it: it fails
closed. Every status is judged on the published figures, for every audience, so a viewer, an
analyst, meeting mode and the pack always show the same status for the same indicator and quarter
(an analyst sees the stored figures beside it, and the SPC chart drawn from the published points).

Work is cached per store version inside the service and shared by every session (read only).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import date
from enum import Enum

import pandas as pd

from cspdash.against_london import LondonFunnel, exceptions_first
from cspdash.board import Assessment, prepare_all
from cspdash.catalogue import Catalogue, load_catalogue
from cspdash.comparators import LondonFigures, london_figures
from cspdash.formatting import headline
from cspdash.history import History
from cspdash.indicator_view import IndicatorView, subgroup_views
from cspdash.overview import OverviewRow, board_frame, marked, overview_frame, overview_rows
from cspdash.overview import beside_london as beside_london_rows
from cspdash.periods import Quarter
from cspdash.protected import SMALL_AREAS, WithheldMarks, withheld_marks
from cspdash.status import Judgement, Status

POPULATION_BASE = "yj_population_10_17"  # an analyst's 10–17 base by ethnic group (ethnic_group_counts kind)
ALL_WITHHELD = "Not rated: every figure of this quarter is withheld under the disclosure policy."


class Audience(Enum):
    PUBLIC = "public"  # viewers, exports, the board output, meeting mode and the papers
    ANALYST = "analyst"  # analysts and admins: figures as stored, marked with how they are published

    @property
    def sees_stored(self) -> bool:
        return self is Audience.ANALYST


class _Memo:
    """Values computed once per store version (the newest two versions are kept), each key built by
    one thread while others wait for it.

    Memory is bounded by kind (a key's first item): an area's figures as read from the store are held
    only for the areas used last (`LIMITS`; read again when asked for after that), and views of a
    quarter for the quarters used last. Prepared histories are kept for the version: they are what
    everything else is built from, and each is prepared once per store version."""

    LIMITS = {"stored": 12, "published": 12, "rows": 400, "rows beside London": 400, "views": 800, "draft": 64}

    def __init__(self) -> None:
        self._values: dict[int, OrderedDict[Hashable, object]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, version: int, key: Hashable, build: Callable[[], object]):
        with self._guard:
            found = self._values.get(version, {})
            if key in found:
                found.move_to_end(key)
                return found[key]
            lock = self._locks.setdefault((version, key), threading.Lock())
        with lock:
            with self._guard:
                if key in self._values.get(version, {}):
                    return self._values[version][key]
            value = build()
            with self._guard:
                values = self._values.setdefault(version, OrderedDict())
                values[key] = value
                self._forget_least_used(values, key)
                for old in sorted(self._values)[:-2]:
                    del self._values[old]
                self._locks = {k: v for k, v in self._locks.items() if k[0] in self._values or k == (version, key)}
            return value

    def _forget_least_used(self, values: OrderedDict, key: Hashable) -> None:
        kind = key[0] if isinstance(key, tuple) else key
        limit = self.LIMITS.get(kind)
        if limit is None:
            return
        same_kind = [k for k in values if (k[0] if isinstance(k, tuple) else k) == kind]
        for old in same_kind[: max(0, len(same_kind) - limit)]:
            del values[old]


class BoardService:
    """The board's figures from one store, for one audience (fixed when it is made)."""

    def __init__(self, engine, audience: Audience, catalogue: Catalogue | None = None):
        from data_loaders.kinds import disclosure_rules, expected_returns, provisional_months
        from data_loaders.publication import publisher

        self.engine, self.audience = engine, audience
        self.catalogue = catalogue or load_catalogue()
        self._publish = publisher(self.catalogue)
        self._rules = disclosure_rules()
        self._provisional = provisional_months()
        self._expected = expected_returns(self.catalogue)
        self._memo = _Memo()

    def public_twin(self) -> BoardService:
        """The same store for the public: it shares this service's cache (published figures are the
        same whoever asks; audience-dependent entries are keyed by audience)."""
        if self.audience is Audience.PUBLIC:
            return self
        if not hasattr(self, "_twin"):
            twin = BoardService.__new__(BoardService)
            twin.__dict__.update(self.__dict__)
            twin.audience = Audience.PUBLIC
            self._twin = twin
        return self._twin

    def at(self, version: int | None = None) -> BoardAt:
        """The service as at a store version (read now when not given): every read is cached by it."""
        from cspdash.store.db import store_version

        return BoardAt(self, store_version(self.engine) if version is None else version)


class BoardAt:
    """The board service at one store version."""

    def __init__(self, service: BoardService, version: int):
        self.service, self.version = service, version
        self.catalogue = service.catalogue
        self.audience = service.audience

    def _cached(self, key: Hashable, build: Callable[[], object]):
        return self.service._memo.get(self.version, key, build)

    # ---- figures, as this audience may see them ------------------------------------------------

    def _stored(self, what: str, *args):
        from cspdash.store import queries

        engine = self.service.engine
        reads = {
            "observations": lambda area, subgroup: queries.current_observations(engine, area=area, subgroup=subgroup),
            "releases": lambda area, subgroup: queries.release_observations(engine, area, subgroup),
            "london": lambda subgroup: queries.current_observations(engine, area=None, subgroup=subgroup),
            "annual": lambda subgroup: self._annual(subgroup),
            "small areas": lambda level: self._small_areas(level),
        }
        return self._cached(("stored", what, *args), lambda: reads[what](*args))

    def _small_areas(self, level: str) -> pd.DataFrame:
        """Every stored figure of a small-area level, for every parent, with the figures of the levels
        its kinds bound it by (a force's crimes against its LSOAs'): published together, they are
        protected under the same relations as in the export, so a map hides what the export hides."""
        from cspdash.store import queries

        outer = {o for _, o, inner in self.service._rules.within if inner == level}
        kinds = [level, *sorted(outer)]
        frames = [
            queries.current_observations(self.service.engine, area_kind=kind, with_provenance=False) for kind in kinds
        ]
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def _annual(self, subgroup: str) -> pd.DataFrame:
        from cspdash.store import queries

        annual = [ind.id for ind in self.catalogue.for_subgroup(subgroup) if ind.frequency == "year"]
        if not annual:
            return pd.DataFrame()
        return queries.current_observations(
            self.service.engine, area=None, subgroup=subgroup, area_kind=None, indicators=annual
        )

    def _published(self, what: str, *args) -> pd.DataFrame:
        return self._cached(("published", what, *args), lambda: self.service._publish(self._stored(what, *args)))

    def _figures(self, what: str, *args, published: bool | None = None) -> pd.DataFrame:
        published = not self.audience.sees_stored if published is None else published
        return self._published(what, *args) if published else self._stored(what, *args)

    def observations(self, area: str, subgroup: str | None = None) -> pd.DataFrame:
        """The area's figures in force, as this audience may see them."""
        return self._figures("observations", area, subgroup)

    def published_observations(self, area: str, subgroup: str | None = None) -> pd.DataFrame:
        """The area's figures in force as published (what viewers and exports get), whoever asks."""
        return self._published("observations", area, subgroup)

    def releases(self, area: str, subgroup: str | None = None) -> pd.DataFrame:
        return self._figures("releases", area, subgroup)

    def annual(self, subgroup: str) -> pd.DataFrame:
        """The sub-group's published annual figures for every place (the area, London, England)."""
        return self._figures("annual", subgroup)

    def london(self, subgroup: str) -> LondonFigures:
        """A London-wide release as month-by-borough tables, as published: every audience compares
        the area with London on the same figures, so no one sees a different verdict."""
        return self._cached(("london", subgroup), lambda: london_figures(self._published("london", subgroup)))

    def london_funnels(self, area: str, quarter: Quarter) -> list[LondonFunnel]:
        """Every indicator the area can be compared with London on (a funnel plot of every borough),
        exceptions first: the same comparisons the rows carry."""
        views = [row.london.funnel for row in self.rows(area, quarter) if row.london and row.london.funnel]
        return exceptions_first(views)

    # ---- small areas: where it happens ------------------------------------------------------------

    def small_areas(self, area: str, level: str) -> pd.DataFrame:
        """The figures of the area's small areas of one level ("lsoa", "ward"), as published, whoever
        asks (with their quarters, protected with their months): every map, table and drill-down of
        a small area reads these, so none shows a figure another hides."""
        return self._cached(
            ("small areas", area, level),
            lambda: _within(self._published("small areas", level), area, level, self.catalogue),
        )

    def place_levels(self, area: str) -> list[str]:
        """The small-area levels the area has figures for, finest first."""
        return [level for level in SMALL_AREAS if not self.small_areas(area, level).empty]

    def place_indicators(self, area: str, level: str) -> list:
        """The catalogue's indicators with figures for the area's small areas of a level, total first."""
        frame = self.small_areas(area, level)
        present = set(frame["indicator"]) if not frame.empty else set()
        found = [ind for ind in self.catalogue.indicators if ind.id in present]
        return sorted(found, key=lambda ind: ind.id not in self._totals())

    def _totals(self) -> set[str]:
        """The kinds' totals (e.g. all recorded crime = the sum of its categories)."""
        return {total for total, _ in self.service._rules.sums}

    def place_quarters(self, area: str, level: str) -> list[Quarter]:
        """The quarters whose three months (or the quarter itself) the small-area figures cover."""
        from cspdash.places import covered_quarters

        return self._cached(("place quarters", area, level), lambda: covered_quarters(self.small_areas(area, level)))

    def place_map(self, area: str, quarter: Quarter, indicator_id: str, level: str = "lsoa", measure: str = "count"):
        """One indicator's quarter for every small area of a level in the area (`PlaceMap`), or None."""
        from cspdash import geography
        from cspdash.places import place_map

        def build():
            frame = self.small_areas(area, level)
            if frame.empty or indicator_id not in set(frame["indicator"]):
                return None
            residents = geography.lsoa_residents() if level == "lsoa" else {}
            code = _area_code(self, area)
            return place_map(
                frame,
                self.catalogue,
                area,
                code,
                level,
                indicator_id,
                quarter,
                measure,
                residents,
                geography.ATTRIBUTION,
            )

        return self._cached(("place map", area, quarter, indicator_id, level, measure), build)

    def place_detail(self, area: str, level: str, code: str, indicator_id: str, quarter: Quarter):
        """One small area's drill-down (`PlaceDetail`): its indicator by month, as published, and its
        crime types in the quarter, largest first."""
        from cspdash.places import place_detail

        return self._cached(
            ("place detail", area, level, code, indicator_id, quarter),
            lambda: place_detail(
                self.small_areas(area, level), self.catalogue, code, indicator_id, quarter, self._totals()
            ),
        )

    def borough_map(self, area: str, quarter: Quarter, indicator_id: str):
        """The London-wide comparison of one indicator as a borough map (`PlaceMap`), or None: the
        same funnel the rows carry, the area and its similar boroughs outlined."""
        from cspdash import geography
        from cspdash.places import borough_map

        def build():
            row = next((r for r in self.rows(area, quarter) if r.indicator.id == indicator_id), None)
            if row is None or row.london is None or row.london.funnel is None:
                return None
            return borough_map(row.london.funnel, _area_code(self, area), self.catalogue, geography.ATTRIBUTION)

        return self._cached(("borough map", self.audience, area, quarter, indicator_id), build)

    def histories(self, area: str, published: bool) -> dict[str, History]:
        """Every indicator's prepared history for the area, from its figures as stored or as published."""
        return self._cached(("histories", area, published), lambda: self._prepare(area, published))

    def _prepare(self, area: str, published: bool) -> dict[str, History]:
        observations = self._figures("observations", area, None, published=published)
        releases = self._figures("releases", area, None, published=published)
        if not (published and self.audience.sees_stored):
            return prepare_all(self.catalogue, observations, releases, self.service._provisional)
        # an analyst's page needs both: an indicator none of whose figures is hidden has the same
        # history either way, so only those with a hidden figure are prepared again
        stored = self.histories(area, False)
        changed = _with_hidden(observations) | _with_hidden(releases)
        again = prepare_all(
            self.catalogue,
            observations[observations["indicator"].isin(changed)] if changed else observations.iloc[0:0],
            releases[releases["indicator"].isin(changed)] if changed and not releases.empty else releases.iloc[0:0],
            self.service._provisional,
        )
        return {
            key: again[key] if key in changed else history
            for key, history in stored.items()
            if key in again or key not in changed
        }

    def marks(self, area: str) -> WithheldMarks:
        """How each of the area's figures is published, by indicator and quarter."""
        return self._cached(
            ("marks", area), lambda: withheld_marks(self._published("observations", area, None), self.catalogue)
        )

    def withheld_counts(self, area: str) -> dict[str, int]:
        """How many of the area's figures in force the disclosure policy hides, by why ("primary": a
        small count or a rate on one; "secondary": one that would let a small count be worked out)."""

        def count() -> dict[str, int]:
            published = self._published("observations", area, None)
            if published.empty or "withheld" not in published:
                return {}
            return {str(k): int(v) for k, v in published["withheld"].value_counts().items() if k}

        return self._cached(("withheld counts", area), count)

    def data_as_at(self, area: str):
        """When the area's figures in force were last loaded (what a snapshot is stamped with)."""
        from cspdash.store import queries

        return self._cached(("data as at", area), lambda: queries.data_as_at(self.service.engine, area))

    def targets(self) -> dict:
        from cspdash.store import queries

        return self._cached(("targets",), lambda: queries.targets(self.service.engine))

    def commentary(self, area: str, quarter: Quarter) -> dict:
        from cspdash.store import records

        return self._cached(
            ("commentary", area, quarter), lambda: records.commentary_for(self.service.engine, area, quarter)
        )

    def actions(self, area: str) -> pd.DataFrame:
        from cspdash.store import records

        return self._cached(("actions", area), lambda: records.actions(self.service.engine, area))

    def open_actions(self, area: str) -> dict[str, tuple]:
        """The area's open actions (neither done nor dropped) by indicator, in the order stored."""

        def by_indicator() -> dict[str, tuple]:
            actions = self.actions(area)
            if actions.empty:
                return {}
            still_open = actions[~actions["status"].isin(["done", "dropped"])]
            return {ind: tuple(group.itertuples()) for ind, group in still_open.groupby("indicator", sort=False)}

        return self._cached(("open actions", area), by_indicator)

    def action_effects(self, area: str, quarter: Quarter | None = None) -> dict:
        """Did each action work? `ActionEffect` by action number, for every action linked to an indicator
        (cspdash/action_effect.py): read from the published histories the statuses and SPC charts are
        judged on, whoever asks, up to the quarter's end (every figure when None)."""
        from cspdash.action_effect import action_effects

        return self._cached(
            ("action effects", area, quarter),
            lambda: action_effects(
                self.actions(area), self.histories(area, True), self.catalogue, self.targets(), quarter
            ),
        )

    # ---- the partnership's registers: typed records, the same for every audience ----------------

    def register(self, name: str) -> tuple:
        """A register's items as typed records (cspdash.registers): "horizon", "risk", "agenda",
        "decision"; "meeting" gives the meetings with their agendas and decisions."""
        from cspdash import registers
        from cspdash.store import registers as stored

        def build() -> tuple:
            if name == "meeting":
                return self.meetings()
            return tuple(registers.BUILDERS[name](row) for row in stored.items(self.service.engine, name))

        return self._cached(("register", name), build)

    def meetings(self):
        """Every meeting, soonest first, each with its timed agenda and its decisions."""
        from cspdash import registers
        from cspdash.store import registers as stored

        engine = self.service.engine
        return self._cached(
            ("meetings",),
            lambda: registers.meetings(*(stored.items(engine, n) for n in ("meeting", "agenda", "decision"))),
        )

    def agenda(self, meeting_id: int) -> tuple:
        """A meeting's agenda items in time order (empty for no such meeting)."""
        return next((m.agenda for m in self.meetings() if m.id == meeting_id), ())

    def next_meeting(self, today: date):
        """The first meeting on or after `today` (with its agenda and its `subgroup_order`), or None."""
        from cspdash.registers import next_meeting

        return next_meeting(self.meetings(), today)

    def register_rows(self, name: str) -> list[dict]:
        """A register's items as stored (declared fields by name, `links`): what an edit form starts from."""
        from cspdash.store import registers as stored

        return self._cached(("register rows", name), lambda: stored.items(self.service.engine, name))

    def register_table(self, name: str) -> pd.DataFrame:
        """A register as the table its CSV and Excel exports hold."""
        from cspdash.store import registers as stored

        return self._cached(("register table", name), lambda: stored.frame(self.service.engine, name))

    def areas(self) -> list[str]:
        """The partnership's areas, as the store lists them."""
        from cspdash.store import queries

        return self._cached(("areas",), lambda: queries.partnership_areas(self.service.engine))

    def quarters(self, area: str) -> list[Quarter]:
        """The quarters with figures for the area, oldest first."""
        from cspdash.store import queries

        return self._cached(("quarters", area), lambda: queries.quarters_with_data(self.service.engine, area))

    def default_quarter(self, area: str, today: date) -> Quarter | None:
        """The quarter a board opens on: the latest signed off, or the latest complete."""
        from cspdash.completeness import board_quarter

        return self._cached(
            ("default quarter", area, today),
            lambda: board_quarter(self.service.engine, area, self.service._expected, today),
        )

    def signed_off(self, area: str, quarter: Quarter) -> dict | None:
        """The signed-off snapshot of the area's quarter (read through its schema), or None."""
        from cspdash.snapshot import read_snapshot
        from cspdash.store import records

        return self._cached(
            ("signed off", area, quarter), lambda: read_snapshot(records.signed_off(self.service.engine, area, quarter))
        )

    def revisions(self, indicator_id: str, area: str, start) -> pd.DataFrame:
        """Every revision of one figure (for "where this figure comes from")."""
        from cspdash.store import records

        return self._cached(
            ("revisions", indicator_id, area, start),
            lambda: records.figure_history(self.service.engine, indicator_id, area, start),
        )

    def row_counted(self) -> tuple[str, ...]:
        """Indicators counted from rows (street-level crimes): their source cells list each case."""
        return self.service._rules.row_counted

    def withheld(self, area: str, indicator_id: str) -> dict[Quarter, str]:
        """How each quarter of the indicator is published ("" when as shown), by quarter."""
        return self.marks(area).get(indicator_id, {})

    def cohorts(self, area: str, quarter: Quarter, subgroup_id: str) -> tuple[list, str]:
        """Each cohort of the sub-group counted by ethnic group, as its relative rate index against the
        White group (disclosure applied for the public), with the note on the population base used."""
        return self._cached(
            ("cohorts", self.audience, area, quarter, subgroup_id), lambda: self._cohorts(area, quarter, subgroup_id)
        )

    def _cohorts(self, area: str, quarter: Quarter, subgroup_id: str) -> tuple[list, str]:
        from cspdash.disproportionality import BASE_CAVEAT, cohort_view, supplied_base
        from cspdash.store import queries

        engine, catalogue = self.service.engine, self.catalogue
        code = next((a.code for a in catalogue.areas if a.name == area), None)
        counts = self._cached(
            ("stored", "by ethnic group", area, subgroup_id),
            lambda: _by_ethnic_group(
                queries.current_observations(engine, area=area, subgroup=subgroup_id, breakdown=None)
            ),
        )
        if counts.empty or code is None:
            return [], BASE_CAVEAT
        supplied = supplied_base(counts[counts["indicator"] == POPULATION_BASE], quarter.end)
        base, note = supplied if supplied else (None, BASE_CAVEAT)
        published = not self.audience.sees_stored
        views = [
            cohort_view(ind.id, ind.name, rows, code, quarter.end, catalogue.disclosure, published, base, note)
            for ind in catalogue.for_subgroup(subgroup_id)
            if ind.id != POPULATION_BASE and not (rows := counts[counts["indicator"] == ind.id]).empty
        ]
        return [v for v in views if v is not None], note

    def comparators(self, area: str, subgroup_id: str) -> pd.DataFrame:
        """Published annual figures (e.g. DfE LAIT) for the area beside London and England."""
        from cspdash.comparators import published_comparators

        return published_comparators(self.annual(subgroup_id), self.catalogue.indicators, area)

    # ---- data quality and dependencies (cspdash/data_quality.py) ----------------------------------

    def data_quality(self, area: str, quarter: Quarter) -> dict:
        """Each indicator's `IndicatorQuality` for the area's quarter, by id: owner, lead, rating, the
        agreements it depends on, and whether it is stale (judged on the histories the statuses are
        judged on, up to the quarter, so a history view says what it said then). Raises
        `DataQualityError` when the declarations cannot be used."""
        from cspdash.data_quality import declarations_stamp, indicator_quality, load_data_quality

        def build() -> dict:
            declared, histories = load_data_quality(self.catalogue), self.histories(area, True)

            def held(ind) -> list[Quarter]:
                history = histories.get(ind.id)
                found = history.by_quarter if history else {}
                return [q for q, reading in found.items() if reading.suppressed or reading.known]

            return {ind.id: indicator_quality(ind, declared, held(ind), quarter) for ind in self.catalogue.indicators}

        return self._cached(("data quality", declarations_stamp(), area, quarter), build)

    def agreement_warnings(self, today: date) -> list:
        """Data sharing agreements expired or expiring within 60 days of `today` (`AgreementWarning`),
        soonest first, each naming the indicators that would get no new figures."""
        from cspdash.data_quality import agreement_warnings, declarations_stamp, load_data_quality

        return self._cached(
            ("agreement warnings", declarations_stamp(), today),
            lambda: agreement_warnings(load_data_quality(self.catalogue), self.catalogue, today),
        )

    # ---- the board's records ---------------------------------------------------------------------

    def rows(self, area: str, quarter: Quarter, beside_london: bool = True) -> list[OverviewRow]:
        """Every indicator's row for the area's quarter: figure, comparator, change, status, trend,
        provenance, commentary, crime beside London (unless `beside_london` is False: a London-wide
        release is read whole for it); for analysts, how each figure is published."""
        rows = self._cached(("rows", self.audience, area, quarter), lambda: self._rows(area, quarter))
        if not beside_london:
            return rows
        return self._cached(
            ("rows beside London", self.audience, area, quarter),
            lambda: beside_london_rows(rows, self.london("mps_crime"), area, quarter),
        )

    def _rows(self, area: str, quarter: Quarter) -> list[OverviewRow]:
        def rows_from(published: bool) -> list[OverviewRow]:
            return overview_rows(
                self.catalogue,
                pd.DataFrame(),
                quarter,
                self.targets(),
                self.commentary(area, quarter),
                histories=self.histories(area, published),
            )

        judged = rows_from(True)
        if self.audience.sees_stored:
            by_id = {row.indicator.id: row for row in judged}
            judged = [_as_stored(row, by_id.get(row.indicator.id)) for row in rows_from(False)]
            judged = marked(judged, self.marks(area), quarter, self.catalogue.disclosure.label)
        return judged

    def views(self, area: str, quarter: Quarter, subgroup_id: str) -> list[IndicatorView]:
        """A sub-group's indicator views for the area's quarter (the same statuses as `rows`)."""
        return self._cached(
            ("views", self.audience, area, quarter, subgroup_id), lambda: self._views(area, quarter, subgroup_id)
        )

    def _views(self, area: str, quarter: Quarter, subgroup_id: str) -> list[IndicatorView]:
        def views_from(published: bool) -> list[IndicatorView]:
            histories = self.histories(area, published)
            return subgroup_views(
                self.catalogue, subgroup_id, pd.DataFrame(), quarter, self.targets(), histories=histories
            )

        judged = views_from(True)
        if not self.audience.sees_stored:
            return judged
        by_id = {view.indicator.id: view for view in judged}
        return [_as_stored(view, by_id.get(view.indicator.id)) for view in views_from(False)]

    def status_counts(self, area: str, quarter: Quarter) -> dict[Status, int]:
        rows = self.rows(area, quarter)
        return {status: sum(r.judgement.status is status for r in rows) for status in Status}

    def board_frame(self, area: str, quarter: Quarter) -> pd.DataFrame:
        """The `board` command's table: one row per indicator."""
        return board_frame([row.assessment for row in self.rows(area, quarter, beside_london=False)])

    def overview_frame(self, area: str, quarter: Quarter) -> pd.DataFrame:
        return overview_frame(self.rows(area, quarter), quarter)

    def snapshot(self, area: str, quarter: Quarter, today: date | None = None) -> dict:
        """The board's snapshot of the quarter from the figures now (sign-off, meeting mode, a draft
        pack): always as published, whoever asks, with the statuses every view shows."""
        from cspdash.boardpack import snapshot_from_rows
        from cspdash.completeness import returns_status
        from cspdash.place_pack import places_records

        public = self if not self.audience.sees_stored else self.service.public_twin().at(self.version)
        engine = self.service.engine
        snapshot = snapshot_from_rows(
            self.catalogue,
            area,
            quarter,
            public.rows(area, quarter),
            public.actions(area),
            returns_status(engine, area, quarter, self.service._expected, today or date.today()),
            self.data_as_at(area),
        )
        snapshot["places"] = places_records(public, area, quarter)  # where it happens: the LSOA map, as published
        snapshot["agenda"] = self._agenda(quarter)
        effects = public.action_effects(area, quarter)  # did each open action work, up to the quarter's end?
        for action in snapshot["actions"]:
            if (found := effects.get(int(action.get("id") or 0))) is not None:
                action["effect"] = found.sentence
        return snapshot

    def _agenda(self, quarter: Quarter) -> dict | None:
        """The agenda of the meeting that reviews the quarter (the forward plan), for the snapshot."""
        from cspdash.registers import agenda_record, reviewing

        meeting = reviewing(self.meetings(), quarter.end)
        names = {s.id: s.name for s in self.catalogue.subgroups}
        return agenda_record(meeting, names) if meeting else None

    def draft(self, area: str, quarter: Quarter) -> dict:
        """The snapshot as it would be signed off now, read through its schema (meeting mode and a
        draft pack read exactly what a sign-off would freeze)."""
        from cspdash.snapshot import read_snapshot

        return self._cached(("draft", area, quarter), lambda: read_snapshot(self.snapshot(area, quarter)))

    def export(self) -> pd.DataFrame:
        """Every figure in force as a tidy table, under the disclosure policy (an export is always
        published, whoever asks), with `published_as` saying how each hidden figure is published."""
        from cspdash.protected import publication_table
        from cspdash.store.queries import tidy_export

        return publication_table(tidy_export(self.service.engine), self.catalogue, self.service._rules)


def _within(frame: pd.DataFrame, area: str, level: str, catalogue: Catalogue) -> pd.DataFrame:
    """The rows of small areas of the level whose parent is the area (named, or by its code as the LSOA
    files give it)."""
    if frame.empty:
        return frame
    code = next((a.code for a in catalogue.areas if a.name == area), None)
    mine = (frame["area_kind"] == level) & frame["parent_area"].isin([area, code])
    return frame[mine].reset_index(drop=True)


def _area_code(board: BoardAt, area: str) -> str:
    return next((a.code for a in board.catalogue.areas if a.name == area), "")


def _by_ethnic_group(counts: pd.DataFrame) -> pd.DataFrame:
    from cspdash.disproportionality import ETHNIC_PREFIX

    return counts[counts["breakdown"].str.startswith(ETHNIC_PREFIX)] if not counts.empty else counts


def _with_hidden(frame: pd.DataFrame) -> set[str]:
    """The indicators with a figure the disclosure policy hides in a published frame."""
    if frame.empty or "withheld" not in frame:
        return set()
    return set(frame.loc[frame["withheld"] != "", "indicator"])


def _as_stored(stored, judged):
    """An analyst's row or view (`OverviewRow`, `IndicatorView`): the figures as stored, with the
    status judged on the published figures, and its headline saying so."""
    assessment = merge(stored.assessment, judged.assessment if judged else None)
    ind = assessment.indicator
    return replace(
        stored,
        assessment=assessment,
        headline=headline(ind, assessment.headline_label, assessment.change, assessment.judgement),
    )


def merge(stored: Assessment, judged: Assessment | None) -> Assessment:
    """The stored figures with the published judgement: status, reason, SPC chart and its points,
    and the change's test (kept only when the published change is the stored one)."""
    if judged is None:
        return replace(
            stored, judgement=Judgement(Status.NOT_RATED, ALL_WITHHELD), spc=None, spc_points=(), change_test=None
        )
    same_change = judged.change.absolute is not None and judged.change.absolute == stored.change.absolute
    return replace(
        stored,
        judgement=judged.judgement,
        spc=judged.spc,
        spc_points=judged.spc_points,
        break_notes=judged.break_notes,
        change_test=judged.change_test if same_change else None,
    )
