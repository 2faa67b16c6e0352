"""The public site of a signed-off quarter: plain HTML pages, charts as inline SVG, the figures as CSV.

The partnership's duty to engage its community: an admin publishes the quarter the board signed off,
as the public may see it. Everything comes from the signed-off snapshot, which holds the figures as
published (the disclosure policy applied by the board service, for every audience) and the statuses
every view shows; nothing is recomputed here. Fail closed: a count the policy would hide (1–4) that
is found in a snapshot anyway is shown as the policy's label, never as a number. Officers' names
(who signed off, who owns an action) are left out.

The site opens from the file system with no network: no script, no web font, nothing fetched.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from datetime import datetime
from html import escape
from pathlib import Path

from cspdash.access import Person
from cspdash.catalogue import Catalogue, load_catalogue
from cspdash.periods import Quarter
from cspdash.snapshot import status_of
from cspdash.status import MEANINGS, Status

CSS = Path(__file__).with_name("data") / "public_site.css"
MARKER = ".public-site"  # in every folder this module writes: an earlier site may be written over
MARKER_TEXT = "A public site of a signed-off quarter, written by the partnership performance dashboard.\n"
CSV_PATH = "data/figures.csv"
CSV_COLUMNS = ("indicator_id", "indicator", "subgroup", "area", "period", "value", "unit", "note")
HIDDEN_NOTE = "hidden under the disclosure policy: fewer than 5, or would let such a count be worked out"
EXCEPTIONS = (Status.RED, Status.AMBER, Status.UNUSUAL)
QUARTERS_SHOWN = 8


class NotPublishable(ValueError):
    """A quarter that cannot be published (one sentence saying why)."""


class SiteFolderError(ValueError):
    """A folder the site will not be written into (one sentence saying why)."""


# ---- publishing ------------------------------------------------------------------------------------


def publish(engine, area: str, quarter: Quarter, person: Person, catalogue: Catalogue | None = None) -> dict:
    """The public site of the area's signed-off quarter as {path: bytes}, audited; NotAllowed unless the
    person may publish, NotPublishable if the quarter is not signed off."""
    files = build(engine, area, quarter, person, catalogue)
    record_publication(engine, area, quarter, person)
    return files


def build(engine, area: str, quarter: Quarter, person: Person, catalogue: Catalogue | None = None) -> dict:
    """The site's files (not yet handed out: `record_publication` when they are)."""
    from cspdash.service import Audience, BoardService

    person.require("publish")
    catalogue = catalogue or load_catalogue()
    snapshot = BoardService(engine, Audience.PUBLIC, catalogue).at().signed_off(area, quarter)
    if snapshot is None:
        raise NotPublishable(
            f"{area} {quarter.label} is not signed off: only a quarter the board has signed off can be published"
        )
    return site_files(snapshot, catalogue)


def record_publication(engine, area: str, quarter: Quarter, person: Person) -> None:
    """The publication in the audit log (checked again: only those who may publish)."""
    from cspdash.store import records
    from cspdash.store.db import writing
    from cspdash.store.repository import audit

    person.require("publish")
    snapshot = records.signed_off(engine, area, quarter) or {}
    detail = f"published the public site of {area} {quarter.label} (signed off {snapshot.get('signed_off_at', '')})"
    writing(engine, lambda session: audit(session, person.email, "publish-site", detail), changes_figures=False)


def site_name(area: str, quarter: Quarter) -> str:
    """A file name for the site: 'public_site_Hackney_2024-25_Q4'."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", f"public_site_{area}_{quarter.label.replace('/', '-')}")


def zip_site(files: dict[str, bytes], folder: str) -> bytes:
    """The site as a zip holding one folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            archive.writestr(f"{folder}/{path}", data)
    return buffer.getvalue()


def check_folder(folder: Path) -> None:
    """SiteFolderError unless the site may be written to `folder`: absent, empty, or an earlier site."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SiteFolderError(f"{folder} is a file: give a folder to write the site into, or a name ending .zip")
    if not folder.parent.is_dir():
        raise SiteFolderError(f"{folder}: the folder {folder.parent} does not exist: create it first")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise SiteFolderError(f"{folder} is not empty and is not an earlier public site: give an empty or new folder")


def write_folder(files: dict[str, bytes], folder: Path) -> None:
    """Write the site into `folder` (an earlier site there is replaced whole)."""
    folder = Path(folder)
    check_folder(folder)
    if folder.is_dir() and (folder / MARKER).is_file():
        for child in folder.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    folder.mkdir(exist_ok=True)
    for path, data in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# ---- the site --------------------------------------------------------------------------------------


def site_files(snapshot: dict, catalogue: Catalogue | None = None) -> dict[str, bytes]:
    """Every file of the site of a signed-off snapshot, by path inside the site's folder."""
    catalogue = catalogue or load_catalogue()
    if not snapshot.get("signed_off_at"):
        raise NotPublishable("this snapshot is not signed off: only a signed-off quarter can be published")
    site = _Site(snapshot, catalogue)
    files = {
        "index.html": site.index(),
        "about.html": site.about(),
        "style.css": CSS.read_bytes(),
        CSV_PATH: site.csv(),
        MARKER: MARKER_TEXT.encode(),
    }
    for subgroup_id, name, indicators in site.subgroups():
        files[f"{subgroup_id}.html"] = site.subgroup_page(name, indicators)
    return files


class _Site:
    def __init__(self, snapshot: dict, catalogue: Catalogue):
        self.snapshot, self.catalogue = snapshot, catalogue
        self.policy = catalogue.disclosure
        self.area = snapshot["area"]
        self.quarter = Quarter.parse(snapshot["quarter"])
        self.indicators = sorted(snapshot.get("indicators", []), key=lambda i: status_of(i).severity)
        self.points = {ind["id"]: self._points(ind) for ind in self.indicators}

    # ---- figures, as published -------------------------------------------------------------------

    def _hides(self, ind: dict, value: float | None) -> bool:
        """A count the policy hides (fail closed, whatever the snapshot says)."""
        return value is not None and ind.get("unit_kind") == "count" and self.policy.low <= value <= self.policy.high

    def shown(self, ind: dict, text: str, value: float | None) -> str:
        """A figure as the site shows it: the snapshot's words, the policy's label, or '–'."""
        if value is None:
            hidden = text and ("suppress" in text.lower() or self.policy.label in text or "withheld" in text.lower())
            return self.policy.label if hidden else "–"
        if self._hides(ind, value):
            return self.policy.label
        return text if "‡" not in text else _format(ind, value)

    def _points(self, ind: dict) -> list[tuple[str, str, float | None, str]]:
        """The points the site shows for an indicator, oldest first: (period, short label, value or
        None, text as shown). The last eight quarters when the snapshot's trend is whole and ends at
        the quarter's figure, else the same quarter last year and this one."""
        figure = (ind["period"], self.quarter.label, self._value(ind, "figure_value"))
        trend = ind.get("trend") or []
        last = trend[-1] if trend else None
        whole = len(trend) == QUARTERS_SHOWN and self.quarter.label in ind["period"]
        if whole and (last is None) == (figure[2] is None) and (last is None or abs(last - figure[2]) < 1e-6):
            quarters = [self.quarter.shift(n - QUARTERS_SHOWN + 1) for n in range(QUARTERS_SHOWN)]
            points = [
                (ind["period"].replace(self.quarter.label, q.label), q.label, None if self._hides(ind, v) else v)
                for q, v in zip(quarters, trend, strict=True)
            ]
        else:
            comparator = (ind.get("comparator_period") or "the same quarter last year", "a year earlier")
            points = [(*comparator, self._value(ind, "comparator_value")), figure]
        return [(period, short, value, self._text(ind, value)) for period, short, value in points]

    def _value(self, ind: dict, key: str) -> float | None:
        value = ind.get(key)
        return None if value is None or self._hides(ind, value) else float(value)

    def _text(self, ind: dict, value: float | None) -> str:
        return self.policy.label if value is None else _format(ind, value)

    # ---- the CSV ---------------------------------------------------------------------------------

    def csv(self) -> bytes:
        """Every figure the site shows: one row per indicator and period."""
        from cspdash.safe_text import neutralise_cell

        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for ind in self._catalogue_order():
            figure = self.shown(ind, ind.get("figure", ""), ind.get("figure_value"))
            comparator = self.shown(ind, ind.get("comparator", ""), ind.get("comparator_value"))
            rows = {period: _csv_value(ind, value, shown, self) for period, _, value, shown in self.points[ind["id"]]}
            if ind.get("comparator_period"):
                rows.setdefault(
                    ind["comparator_period"], _csv_value(ind, ind.get("comparator_value"), comparator, self)
                )
            rows[ind["period"]] = _csv_value(ind, ind.get("figure_value"), figure, self)
            for period, (value, note) in rows.items():
                cells = (ind["id"], ind["name"], ind["subgroup"], self.area, period, value, ind["unit"], note)
                writer.writerow([neutralise_cell(cell) for cell in cells])
        return ("\ufeff" + text.getvalue()).encode("utf-8")

    # ---- pages -----------------------------------------------------------------------------------

    def subgroups(self) -> list[tuple[str, str, list[dict]]]:
        """(id, name, indicators) of each sub-group the snapshot has, in the catalogue's order."""
        by_name = {s.name: s.id for s in self.catalogue.subgroups}
        order = [s.name for s in self.catalogue.subgroups]
        names = sorted(
            {i["subgroup"] for i in self.indicators},
            key=lambda n: (n not in order, order.index(n) if n in order else 0, n),
        )
        if not hasattr(self, "_subgroups"):
            self._subgroups = [
                (
                    _page_name(by_name.get(name) or name),
                    name,
                    [i for i in self._catalogue_order() if i["subgroup"] == name],
                )
                for name in names
            ]
        return self._subgroups

    def _catalogue_order(self) -> list[dict]:
        order = {ind.id: n for n, ind in enumerate(self.catalogue.indicators)}
        return sorted(self.snapshot.get("indicators", []), key=lambda i: order.get(i["id"], len(order)))

    def _page(self, title: str, body: str) -> bytes:
        nav = "".join(
            f'<li><a href="{escape(href)}">{escape(text)}</a></li>'
            for href, text in [
                ("index.html", "Summary"),
                *((f"{sid}.html", name) for sid, name, _ in self.subgroups()),
                ("about.html", "About these figures"),
                (CSV_PATH, "The figures (CSV)"),
            ]
        )
        html = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}: {escape(self.area)}, {escape(self.quarter.label)}</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<a class="skip" href="#main">Skip to the main content</a>
<header>
<p><strong>{escape(self.area)} Community Safety Partnership</strong>: how we are doing, {escape(self.quarter.label)}</p>
<nav aria-label="Pages of this site"><ul>{nav}</ul></nav>
</header>
<main id="main">
{body}
</main>
<footer><p>{escape(self.signed_words())} {escape(self.snapshot.get("disclosure", ""))}</p></footer>
</body>
</html>
"""
        return html.encode("utf-8")

    def signed_words(self) -> str:
        signed = self.snapshot.get("signed_off_at")
        when = f"{datetime.fromisoformat(signed):%-d %B %Y}" if signed else "not yet"
        return f"Figures for {self.snapshot.get('period', self.quarter.label)}, signed off by the board on {when}."

    def index(self) -> bytes:
        counts = {s: sum(status_of(i) is s for i in self.indicators) for s in Status}
        summary = "".join(
            f"<li>{_badge(s)} {n} indicator{'s' if n != 1 else ''}: {escape(MEANINGS[s])}</li>"
            for s, n in counts.items()
            if n
        )
        exceptions = [i for i in self.indicators if status_of(i) in EXCEPTIONS]
        needs = (
            "".join(
                f"<li><strong>{escape(i['name'])}</strong> {_badge(status_of(i))}: {escape(i.get('plain', ''))}</li>"
                for i in exceptions
            )
            if exceptions
            else "<li>No indicator needs attention this quarter.</li>"
        )
        rows = "".join(self._summary_row(i) for i in self.indicators)
        body = f"""<h1>{escape(self.area)}: community safety, {escape(self.quarter.label)}</h1>
<p>{escape(self.signed_words())}</p>
<h2>The statuses at a glance</h2>
<ul>{summary}</ul>
<h2>What needs attention</h2>
<ul>{needs}</ul>
{self._actions()}<h2>Every indicator</h2>
<p>Most needing attention first. Each status is given in words and with a shape, not by colour alone.</p>
<table>
<caption>Every indicator for {escape(self.quarter.label)}, with the same quarter last year</caption>
<thead><tr><th scope="col">Indicator</th><th scope="col">Topic</th><th scope="col" class="number">This quarter</th>
<th scope="col" class="number">A year earlier</th><th scope="col">Status</th></tr></thead>
<tbody>{rows}</tbody>
</table>
"""
        return self._page("Summary", body)

    def _actions(self) -> str:
        """The open actions, without their owners (no officer's name on the public site)."""
        names = {i["id"]: i["name"] for i in self.indicators}
        rows = "".join(
            f'<tr><th scope="row">{escape(str(a.get("title", "")))}</th>'
            f"<td>{escape(names.get(a.get('indicator') or '', ''))}</td><td>{escape(str(a.get('due_date', '')))}</td></tr>"
            for a in self.snapshot.get("actions", [])
        )
        if not rows:
            return ""
        return (
            "<h2>What the partnership is doing</h2><table><caption>Open actions</caption><thead><tr>"
            '<th scope="col">Action</th><th scope="col">Indicator</th><th scope="col">Due</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>\n"
        )

    def _summary_row(self, ind: dict) -> str:
        unit = " count" if ind.get("unit_kind") == "count" else ""
        figure = self.shown(ind, ind.get("figure", ""), ind.get("figure_value"))
        comparator = self.shown(ind, ind.get("comparator", ""), ind.get("comparator_value"))
        page = self._page_of(ind)
        return (
            f'<tr data-indicator="{escape(ind["id"])}"><th scope="row"><a href="{escape(page)}#{escape(ind["id"])}">'
            f"{escape(ind['name'])}</a></th><td>{escape(ind['subgroup'])}</td>"
            f'<td class="number figure{unit}">{escape(figure)}</td><td class="number figure{unit}">{escape(comparator)}</td>'
            f"<td>{_badge(status_of(ind))}</td></tr>"
        )

    def _page_of(self, ind: dict) -> str:
        return next(f"{sid}.html" for sid, name, _ in self.subgroups() if name == ind["subgroup"])

    def subgroup_page(self, name: str, indicators: list[dict]) -> bytes:
        sections = "".join(self._section(ind) for ind in indicators)
        body = f"""<h1>{escape(name)}</h1>
<p>{escape(self.signed_words())} Each indicator's chart shows the figures the site publishes; the same figures
are in the table under it and in <a href="{CSV_PATH}">the CSV file</a>.</p>
{sections}"""
        return self._page(name, body)

    def _section(self, ind: dict) -> str:
        status = status_of(ind)
        figure = self.shown(ind, ind.get("figure", ""), ind.get("figure_value"))
        comparator = self.shown(ind, ind.get("comparator", ""), ind.get("comparator_value"))
        parts = [
            f'<section class="indicator" id="{escape(ind["id"])}" aria-labelledby="h-{escape(ind["id"])}">',
            f'<h2 id="h-{escape(ind["id"])}">{escape(ind["name"])}</h2>',
            f"<p>{_badge(status)} {escape(ind.get('plain', ''))}</p>",
            f"<p>This time ({escape(ind['period'])}): <strong>{escape(figure)}</strong>; a year earlier "
            f"({escape(ind.get('comparator_period') or 'the same period last year')}): {escape(comparator)}.",
        ]
        if ind.get("change") and ind["change"] != "–" and self.policy.label not in (figure, comparator):
            parts[-1] += f" Change: {escape(ind['change'])}."
        parts[-1] += "</p>"
        if ind.get("target"):
            parts.append(f"<p>Target: {escape(ind['target'])}.</p>")
        if ind.get("commentary"):
            parts.append(f"<h3>What the partnership says</h3><p>{escape(ind['commentary'])}</p>")
        parts.append(self._chart(ind))
        if ind.get("definition"):
            parts.append(f'<p class="note">What it measures: {escape(ind["definition"])}.</p>')
        if ind.get("caveats"):
            parts.append(f'<p class="note">Note: {escape(ind["caveats"])}</p>')
        parts.append("</section>")
        return "\n".join(parts)

    def _chart(self, ind: dict) -> str:
        points = self.points[ind["id"]]
        count = ind.get("unit_kind") == "count"
        label = f"{ind['name']} ({ind['unit']}), {points[0][1]} to {points[-1][1]}"
        known = [p[3] for p in points]
        caption = f"Chart: {label}. " + "; ".join(f"{p[1]}: {t}" for p, t in zip(points, known, strict=True)) + "."
        rows = "".join(
            f'<tr><th scope="row">{escape(period)}</th>'
            f'<td class="number figure{" count" if count else ""}">{escape(text)}</td></tr>'
            for period, _, _, text in points
        )
        chart_id = f"c-{ind['id']}"
        return f"""<figure>
<figcaption id="{escape(chart_id)}">{escape(caption)}</figcaption>
{_svg(points, escape(chart_id), self.policy.label, count)}
<table>
<caption>The figures in the chart</caption>
<thead><tr><th scope="col">Period</th><th scope="col" class="number">{escape(ind["unit"])}</th></tr></thead>
<tbody>{rows}</tbody>
</table>
</figure>"""

    def about(self) -> bytes:
        statuses = "".join(f'<tr><th scope="row">{_badge(s)}</th><td>{escape(MEANINGS[s])}</td></tr>' for s in Status)
        returns = "".join(
            f"<li>{escape(r.get('name', ''))}: {escape(str(r.get('status', '')).replace('_', ' '))}</li>"
            for r in self.snapshot.get("completeness", [])
        )
        body = f"""<h1>About these figures</h1>
<h2>What the statuses mean</h2>
<table>
<caption>The statuses, most needing attention first</caption>
<thead><tr><th scope="col">Status</th><th scope="col">What it means</th></tr></thead>
<tbody>{statuses}</tbody>
</table>
<p>Each figure is compared with the same period a year earlier. A change is called a real change only when
it is bigger than the usual ups and downs of the figures.</p>
<h2>Small numbers are hidden</h2>
<p>{escape(self.snapshot.get("disclosure", ""))} This protects the privacy of the people behind the figures,
on every page and in the CSV file. On this
site every count of {self.policy.low} to {self.policy.high} is hidden, even one that is a matter of public record.</p>
<h2>Where the figures come from</h2>
<p>The partnership's quarterly returns from its sub-groups and the published police recorded crime
figures, as the partnership's board signed them off. {escape(self.signed_words())}
Figures received later are not included.</p>
<ul>{returns}</ul>
<h2>Re-using the figures</h2>
<p>The figures are in <a href="{CSV_PATH}">data/figures.csv</a>: one row per indicator and period, with
“{escape(self.policy.label)}” for a hidden figure. You may re-use them under the Open Government Licence v3.0
(nationalarchives.gov.uk/doc/open-government-licence/version/3/); please say where they come from.</p>
"""
        return self._page("About these figures", body)


def _csv_value(ind: dict, value: float | None, shown: str, site: _Site) -> tuple[str, str]:
    if shown == site.policy.label or (value is not None and site._hides(ind, value)):
        return site.policy.label, HIDDEN_NOTE
    if value is None:
        return "", "no figure"
    return (f"{value:.0f}" if ind.get("unit_kind") == "count" else f"{value:.1f}"), ""


def _format(ind: dict, value: float) -> str:
    kind = ind.get("unit_kind")
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "percent":
        return f"{value:.1f}%"
    return f"{value:,.1f}"


def _badge(status: Status) -> str:
    return f'<span class="status status-{status.name}"><span aria-hidden="true">{status.shape}</span> {escape(status.word)}</span>'


def _page_name(name: str) -> str:
    """A safe file name for a sub-group's page, never one of the site's own pages."""
    slug = re.sub(r"[^a-z0-9_-]+", "_", name.lower()).strip("_") or "topic"
    return f"topic_{slug}" if slug in ("index", "about", "style") else slug


def _svg(points: list[tuple[str, str, float | None, str]], labelled_by: str, label: str, count: bool) -> str:
    """A bar chart of the points (a hidden one drawn as a hatched stub with its label); decorative
    beside its caption and table, which say the same."""
    width, height, left, bottom, top = 640, 240, 56, 40, 16
    values = [p[2] for p in points if p[2] is not None]
    high = max(values, default=0) or 1
    step = (width - left - 8) / len(points)
    plot = height - bottom - top
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{labelled_by}">',
        f'<defs><pattern id="hatch-{labelled_by}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#f3f2f1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#505a5f" stroke-width="2"/>'
        "</pattern></defs>",
        f'<line x1="{left}" y1="{top + plot}" x2="{width - 4}" y2="{top + plot}" stroke="#0b0c0c"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="12" fill="#0b0c0c">{escape(_axis(high, count))}</text>',
        f'<text x="{left - 6}" y="{top + plot}" text-anchor="end" font-size="12" fill="#0b0c0c">0</text>',
    ]
    for n, (_, short, value, _) in enumerate(points):
        x = left + n * step + step * 0.15
        bar = step * 0.7
        last = n == len(points) - 1
        if value is None:
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot - 14}" width="{bar:.1f}" height="14" fill="url(#hatch-{labelled_by})"/>'
            )
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + plot - 18}" text-anchor="middle" font-size="12" '
                f'fill="#0b0c0c">{escape(label)}</text>'
            )
        else:
            h = max(plot * value / high, 1 if value else 0)
            colour = "#003078" if last else "#1d70b8"
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
        words = short.split(" ")
        for k, word in enumerate(words if len(words) == 2 else [short]):
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + plot + 14 + 13 * k}" text-anchor="middle" font-size="11" '
                f'fill="#0b0c0c">{escape(word)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _axis(value: float, count: bool) -> str:
    return f"{value:,.0f}" if count or value >= 10 else f"{value:.1f}"
