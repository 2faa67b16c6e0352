"""Data quality and dependencies (`data_quality.toml`): who owns each indicator and answers for it,
how good its data is (the four parts SPCreporter rates), whether its newest figure is later than
expected ("stale"), and the data sharing agreements its figures depend on, with a warning before
one expires. Shown beside an indicator's status, never instead of it."""

from __future__ import annotations

import os
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from cspdash.catalogue import Catalogue, Indicator
from cspdash.periods import Quarter

SHIPPED = Path(__file__).with_name("data_quality.toml")
RATINGS = ("sufficient", "insufficient", "not assessed")
PARTS = {  # the key in the file: the words a board member reads
    "sign_off_and_validation": "sign-off and validation",
    "timely_and_complete": "timely and complete",
    "audit_and_accuracy": "audit and accuracy",
    "robust_systems": "robust systems",
}
WARN_DAYS = 60  # an agreement expiring within this many days warns on the overview


class DataQualityError(ValueError):
    """The data quality file declares something the dashboard cannot use."""


@dataclass(frozen=True)
class Agreement:
    """A data sharing agreement: the figures of the indicators and sub-groups it covers come under it."""

    id: str
    name: str
    partners: tuple[str, ...]
    review: date | None
    expiry: date
    covers: tuple[str, ...]  # indicator or sub-group ids

    @property
    def title(self) -> str:
        """'Information Sharing Agreement (review due 1 Nov 2026, expires 20 Jan 2027)'."""
        review = f"review due {self.review:%-d %b %Y}, " if self.review else ""
        return f"{self.name} ({review}expires {self.expiry:%-d %b %Y})"


@dataclass(frozen=True)
class QualityDeclaration:
    """One `[[quality]]` entry: for one indicator, or the default of a sub-group's indicators."""

    applies_to: str
    owner: str
    lead: str
    ratings: tuple[tuple[str, str], ...]  # (part, rating) in the order of PARTS
    lag_quarters: int | None  # the quarter's figure is expected within this many quarters
    agreements: tuple[str, ...]


@dataclass(frozen=True)
class Declarations:
    agreements: tuple[Agreement, ...]
    quality: tuple[QualityDeclaration, ...]

    def for_indicator(self, ind: Indicator) -> QualityDeclaration | None:
        """The indicator's own entry, else its sub-group's default, else None."""
        by_target = {q.applies_to: q for q in self.quality}
        return by_target.get(ind.id) or by_target.get(ind.subgroup)

    def agreements_for(self, ind: Indicator) -> tuple[Agreement, ...]:
        """The agreements covering the indicator (by its id or sub-group) or named by its entry."""
        declared = self.for_indicator(ind)
        named = set(declared.agreements) if declared else set()
        return tuple(a for a in self.agreements if a.id in named or {ind.id, ind.subgroup} & set(a.covers))


@dataclass(frozen=True)
class IndicatorQuality:
    """What the board sees beside an indicator's status about its data."""

    indicator_id: str
    owner: str
    lead: str
    ratings: tuple[tuple[str, str], ...]
    overall: str  # sufficient | insufficient | partly assessed | not assessed | not declared
    overall_words: str
    agreements: tuple[Agreement, ...]
    stale: bool
    stale_why: str

    @property
    def lines(self) -> list[str]:
        """What the board reads beside the status, one sentence a line."""
        if self.overall == "not declared":
            return ["No owner or data quality is declared for this indicator."]
        said = [
            f"Owner: {self.owner or 'not named'}; accountable lead: {self.lead or 'not named'}.",
            self.overall_words,
        ]
        said += [self.stale_why] if self.stale else []
        if self.agreements:
            said.append("Depends on: " + "; ".join(a.title for a in self.agreements) + ".")
        return said


@dataclass(frozen=True)
class AgreementWarning:
    """An agreement expiring soon (or expired) and the indicators that will go dark without it."""

    agreement: Agreement
    days_left: int  # negative once expired
    indicators: tuple[str, ...]  # names, in catalogue order

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def sentence(self) -> str:
        """'The Information Sharing Agreement (the Metropolitan Police Service and Hackney Council)
        expires on 20 Jan 2027, in 44 days: unless it is renewed, these 2 indicators get no new
        figures: Robbery, Burglary.'"""
        a, count = self.agreement, len(self.indicators)
        names = ", ".join(self.indicators) if count else "none of the indicators shown"
        these = "this indicator gets" if count == 1 else f"these {count} indicators get"
        who = f" ({_listed(list(a.partners))})" if a.partners else ""
        if self.expired:
            return f"The {a.name}{who} expired on {a.expiry:%-d %b %Y}: {these} no new figures until it is renewed: {names}."
        when = "today" if self.days_left == 0 else f"in {self.days_left} day{'s' * (self.days_left != 1)}"
        return f"The {a.name}{who} expires on {a.expiry:%-d %b %Y}, {when}: unless it is renewed, {these} no new figures: {names}."


def data_quality_path() -> Path:
    """The deployment's own declarations (DASHBOARD_DATA_QUALITY), else the shipped ones."""
    return Path(os.environ.get("DASHBOARD_DATA_QUALITY") or SHIPPED)


def declarations_stamp() -> tuple[str, int]:
    """Which declarations are in force (their file and when it last changed): what the service keys
    its cache by, so an edited file is read on the next page run."""
    path = data_quality_path()
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError:
        return str(path), 0


def load_data_quality(catalogue: Catalogue, path: Path | None = None) -> Declarations:
    path = path or data_quality_path()
    try:
        text = _read(path, path.stat().st_mtime_ns)
    except OSError as error:
        raise DataQualityError(f"{path.name}: the data quality file could not be read ({error.strerror}).") from None
    return parse_data_quality(text, catalogue, path.name)


@cache
def _read(path: Path, _mtime: int) -> str:
    return path.read_text(encoding="utf-8")


def parse_data_quality(text: str, catalogue: Catalogue, source: str = "data_quality.toml") -> Declarations:
    """The declarations, checked against the catalogue: every mistake is one sentence naming the file
    and the entry."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DataQualityError(f"{source} is not valid TOML ({error}).") from None
    targets = {i.id for i in catalogue.indicators} | {s.id for s in catalogue.subgroups}
    agreements = tuple(_agreement(entry, n, source, targets) for n, entry in enumerate(raw.get("agreement", []), 1))
    _no_repeats([a.id for a in agreements], "[[agreement]]", "id", source)
    known = {a.id for a in agreements}
    quality = tuple(_quality(entry, n, source, targets, known) for n, entry in enumerate(raw.get("quality", []), 1))
    _no_repeats([q.applies_to for q in quality], "[[quality]]", "indicator or subgroup", source)
    return Declarations(agreements, quality)


def _where(source: str, kind: str, n: int, entry: dict, key: str = "id") -> str:
    name = entry.get(key) or entry.get("indicator") or entry.get("subgroup")
    return f"{source}, {kind} entry {n}" + (f' ("{name}")' if isinstance(name, str) and name else "")


def _no_repeats(ids: list[str], kind: str, key: str, source: str) -> None:
    for n, found in enumerate(ids, 1):
        if found in ids[: n - 1]:
            raise DataQualityError(f'{source}, {kind} entry {n} ("{found}"): the {key} "{found}" is declared twice.')


def _agreement(entry: dict, n: int, source: str, targets: set[str]) -> Agreement:
    where = _where(source, "[[agreement]]", n, entry)
    for key in ("id", "name", "expiry"):
        if not entry.get(key):
            raise DataQualityError(f"{where}: it gives no {key} (an agreement needs an id, a name and an expiry date).")
    covers = tuple(str(c) for c in entry.get("covers", []))
    if unknown := [c for c in covers if c not in targets]:
        raise DataQualityError(
            f'{where}: it covers "{unknown[0]}", which is not an indicator or sub-group of the catalogue.'
        )
    return Agreement(
        id=str(entry["id"]),
        name=str(entry["name"]),
        partners=tuple(str(p) for p in entry.get("partners", [])),
        review=_date(entry, "review", where) if "review" in entry else None,
        expiry=_date(entry, "expiry", where),
        covers=covers,
    )


def _date(entry: dict, key: str, where: str) -> date:
    value = entry[key]
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DataQualityError(f'{where}: its {key} "{value}" is not a date like 2027-01-20.') from None


def _quality(entry: dict, n: int, source: str, targets: set[str], agreements: set[str]) -> QualityDeclaration:
    where = _where(source, "[[quality]]", n, entry, "indicator")
    target = entry.get("indicator") or entry.get("subgroup")
    if not target:
        raise DataQualityError(f"{where}: it names no indicator or subgroup (each entry is for one of them).")
    if target not in targets:
        kind = "an indicator" if entry.get("indicator") else "a sub-group"
        raise DataQualityError(f'{where}: "{target}" is not {kind} of the catalogue.')
    ratings = []
    for part in PARTS:
        rating = str(entry.get(part, "not assessed")).strip().lower()
        if rating not in RATINGS:
            allowed = ", ".join(f'"{r}"' for r in RATINGS)
            raise DataQualityError(f'{where}: {part} is "{entry[part]}", not one of {allowed}.')
        ratings.append((part, rating))
    named = tuple(str(a) for a in entry.get("agreements", []))
    if unknown := [a for a in named if a not in agreements]:
        raise DataQualityError(f'{where}: it depends on "{unknown[0]}", which no [[agreement]] entry declares.')
    lag = entry.get("lag_quarters")
    if lag is not None and (not isinstance(lag, int) or isinstance(lag, bool) or lag < 0):
        raise DataQualityError(f'{where}: lag_quarters is "{lag}", not a whole number of quarters (0 or more).')
    return QualityDeclaration(
        str(target), str(entry.get("owner", "")), str(entry.get("lead", "")), tuple(ratings), lag, named
    )


# ---- what the board sees -------------------------------------------------------------------------


def stale_check(with_figures: list[Quarter], quarter: Quarter, lag: int | None) -> tuple[bool, str]:
    """Whether the newest figure up to the quarter under review is older than the declared lag allows
    (with why, in words). Never judged without a lag, or when no figure has ever arrived (the status
    already says there is none)."""
    held = sorted(with_figures)
    newest = held[bisect_right(held, quarter) - 1] if bisect_right(held, quarter) else None
    if lag is None or newest is None:
        return False, ""
    expected = quarter.shift(-lag)
    if newest >= expected:
        return False, ""
    return True, f"Stale: no figure since {newest.label}; one for {expected.label} was expected by now."


def indicator_quality(ind: Indicator, declarations: Declarations, with_figures: list[Quarter], quarter: Quarter):
    """The indicator's `IndicatorQuality` for the quarter under review."""
    declared = declarations.for_indicator(ind)
    agreements = declarations.agreements_for(ind)
    if declared is None:
        return IndicatorQuality(ind.id, "", "", (), "not declared", "No data quality declared.", agreements, False, "")
    stale, why = stale_check(with_figures, quarter, declared.lag_quarters)
    overall, words = _overall(declared.ratings)
    return IndicatorQuality(
        ind.id, declared.owner, declared.lead, declared.ratings, overall, words, agreements, stale, why
    )


def _overall(ratings: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """'Data quality: insufficient on audit and accuracy; sufficient on the other three parts.'"""
    by = {r: [PARTS[p] for p, rating in ratings if rating == r] for r in RATINGS}
    if len(by["sufficient"]) == len(ratings):
        return "sufficient", "Data quality: sufficient on all four parts."
    if len(by["not assessed"]) == len(ratings):
        return "not assessed", "Data quality: not assessed yet."
    overall = "insufficient" if by["insufficient"] else "partly assessed"
    said = "; ".join(f"{r} on {_listed(by[r])}" for r in RATINGS if by[r])
    return overall, f"Data quality: {said}."


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def agreement_warnings(
    declarations: Declarations, catalogue: Catalogue, today: date, window: int = WARN_DAYS
) -> list[AgreementWarning]:
    """Agreements expired or expiring within `window` days of today, soonest first, each with the
    names of the indicators that depend on it."""
    warnings = []
    for a in declarations.agreements:
        days = (a.expiry - today).days
        if days <= window:
            names = tuple(ind.name for ind in catalogue.indicators if a in declarations.agreements_for(ind))
            warnings.append(AgreementWarning(a, days, names))
    return sorted(warnings, key=lambda w: w.days_left)


def warnings_headline(warnings: list[AgreementWarning]) -> str:
    """'1 data sharing agreement expiring within 60 days', or with both kinds '2 data sharing
    agreements: 1 expired, 1 expiring within 60 days' (the overview's first line)."""
    expired, n = sum(w.expired for w in warnings), len(warnings)
    parts = [f"{expired} expired"] * bool(expired) + [f"{n - expired} expiring within {WARN_DAYS} days"] * (n > expired)
    noun = f"{n} data sharing agreement{'s' * (n != 1)}"
    if len(parts) == 1:
        return f"{noun} {parts[0].split(' ', 1)[1]}"
    return f"{noun}: {', '.join(parts)}"


def with_quality_columns(frame: pd.DataFrame, catalogue: Catalogue, quality: dict) -> pd.DataFrame:
    """The `board` command's table (one row per indicator, by name) with each indicator's owner,
    accountable lead, overall data quality and why it is stale ("" when it is not)."""
    ids = {ind.name: ind.id for ind in catalogue.indicators}
    found = [quality.get(ids.get(name, "")) for name in frame["indicator"]]
    return frame.assign(
        **{
            "owner": [q.owner if q else "" for q in found],
            "accountable lead": [q.lead if q else "" for q in found],
            "data quality": [q.overall if q else "" for q in found],
            "stale": [q.stale_why if q else "" for q in found],
        }
    )
