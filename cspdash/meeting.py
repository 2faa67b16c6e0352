"""Meeting mode: the board's agenda as screens for a shared browser tab at 1280×720, from the same
snapshot as the board pack: summary, exceptions, each sub-group, then actions. Large type, high
contrast, the "data as at" stamp on every screen, and nothing to scroll: a long table continues on the
next screen ("Youth Justice (1 of 2)"). A board reads plain words here (`plain`, `change`,
`variation`, `assurance`), never the statistics (`reason`)."""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import plotly.graph_objects as go

from cspdash.boardpack import (
    agenda_heading,
    agenda_rows,
    chart_figure,
    exceptions,
    stamp,
    status_counts,
    subgroups,
)
from cspdash.palette import TEXT, THEME_COLOURS, WHITE
from cspdash.place_pack import map_figure
from cspdash.place_pack import title as place_title
from cspdash.snapshot import status_of
from cspdash.spc import VARIATION_PLAIN, VARIATION_WORDS

MEETING_STYLE = """<style>
.meeting, .meeting p, .meeting td, .meeting th, .meeting li, .meeting dd, .meeting dt {font-size: 20px !important; line-height: 1.35; color: var(--csp-text, #0b0c0c);}
.meeting p {margin: 0 0 0.5rem;}
.meeting .stamp {font-size: 16px !important; font-weight: 700; border-left: 6px solid var(--csp-strong-rule, #0b0c0c); padding-left: 0.6rem; margin: 0;}
.meeting table {border-collapse: collapse; width: 100%; table-layout: fixed;}
.meeting th, .meeting td {text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--csp-rule, #b1b4b6); vertical-align: top; overflow-wrap: anywhere;}
.meeting thead th {border-bottom: 3px solid var(--csp-strong-rule, #0b0c0c); font-size: 18px !important;}
.meeting td.figure {font-size: 23px !important; font-weight: 700; white-space: nowrap;}
.meeting td.change, .meeting td.change p {font-size: 17px !important;}
.meeting p.big {font-size: 40px !important; font-weight: 700; line-height: 1.2; margin: 0 0 0.3rem;}
.meeting p.plain {font-size: 22px !important; font-weight: 700;}
.meeting dl {margin: 0 0 0.5rem; display: grid; grid-template-columns: max-content 1fr; column-gap: 0.8rem; row-gap: 0.25rem;}
.meeting dt {font-weight: 700; font-size: 18px !important;}
.meeting dd {margin: 0; font-size: 18px !important;}
.meeting .status {display: inline-block; padding: 0.05rem 0.5rem; border: 2px solid var(--csp-strong-rule, #0b0c0c); font-weight: 700; white-space: nowrap;}
.meeting .comment {font-style: italic; font-weight: 400;}
.meeting div.comment {font-size: 17px !important;}
.meeting p.later {font-size: 17px !important; margin: 0.2rem 0 0;}
.meeting ul.counts {list-style: none; padding: 0; margin: 0 0 0.8rem;}
.meeting ul.counts li {font-size: 26px !important; font-weight: 700; margin: 0 0 0.35rem;}
.meeting .returns li {font-size: 17px !important;}
</style>"""

# What a screen's body may take at 1280×720, in CSS pixels, below the controls, title and stamp
# (the page is laid out for this: pages/meeting.py; tests/test_meeting_screens.py measures it).
BODY_HEIGHT = 570
STAMP_WIDTH = 140  # characters of the stamp (bold 16px) on one line across the screen
STAMP_LINE = 22
TABLE_HEAD = 40  # the header row of a table
ROW_PADDING = 12  # a table row's padding and rule
LINE = 27  # one line of 20px text
SMALL_LINE = 23  # one line of 17px text
FIGURE_LINE = 32  # the figure, at 23px
NAME_WIDTH = 46  # characters of a name on one line of its column (bold 20px in about 440px)
CHANGE_WIDTH = 45  # characters of a change on one line of its column (17px in about 340px)
ACTION_WIDTH = 52  # characters of an action's title on one line
COMMENT_LINES = 3  # a row's commentary, at most (in full on the indicator's exception screen and in the pack)
SIDE_WIDTH = 34  # characters on one line of 20px text beside a chart (about 400px)
SIDE_HEIGHT = 545  # what a chart, and the text beside it, may take

# The dark theme's page background (Streamlit 1.67: theme.backgroundColor defaults to #171614 in the dark)
DARK = {"background": "#171614", "grid": "#3b3f44", **THEME_COLOURS["dark"]}


@dataclass(frozen=True)
class Screen:
    """One agenda item: the link key that reopens it, its title, its body (HTML) and, for an
    exception or the summary, the chart beside the body (`chart`: the indicator's id or "summary")."""

    key: str
    title: str
    body: str
    chart: str | None = None


# ---- splitting: every screen fits 1280×720 --------------------------------------------------------


def lines(text: str, width: int) -> int:
    """How many lines `text` takes wrapped at `width` characters (0 for no text)."""
    return len(textwrap.wrap(str(text), width, break_long_words=True)) if str(text).strip() else 0


def clipped(text: str, width: int, most: int) -> str:
    """`text` cut to `most` lines of `width` characters, with an ellipsis where it was cut."""
    wrapped = textwrap.wrap(str(text), width)
    return str(text) if len(wrapped) <= most else " ".join(wrapped[:most]).rstrip(".,;: ") + " …"


def indicator_row_height(indicator: dict) -> int:
    """The height (px) of an indicator's row in a sub-group table, estimated generously."""
    comment = clipped(indicator.get("commentary") or "", NAME_WIDTH + 6, COMMENT_LINES)
    name = lines(indicator["name"], NAME_WIDTH) * LINE + lines(comment, NAME_WIDTH + 6) * SMALL_LINE
    change = lines(indicator.get("change") or "–", CHANGE_WIDTH) * SMALL_LINE
    return max(name, change, FIGURE_LINE) + ROW_PADDING


def action_row_height(action: dict) -> int:
    """The height (px) of an action's row in the actions table."""
    effect = lines(f"Did it work? {action['effect']}", CHANGE_WIDTH + 10) * SMALL_LINE if action.get("effect") else 0
    return max(1, lines(action.get("title", ""), ACTION_WIDTH)) * LINE + effect + ROW_PADDING


def split_rows(rows: list, height: Callable[[object], int], room: int = BODY_HEIGHT - TABLE_HEAD) -> list[list]:
    """`rows` in as few screens as fit `room` pixels each, shared out evenly (in order); a row taller
    than the room has a screen of its own."""
    if not rows:
        return [[]]
    heights = [height(row) for row in rows]
    for parts in range(1, len(rows) + 1):
        split = _even(heights, parts)
        if all(sum(heights[a:b]) <= room for a, b in split):
            return [rows[a:b] for a, b in split]
    return [[row] for row in rows]


def _even(heights: list[int], parts: int) -> list[tuple[int, int]]:
    """Cut points sharing `heights` into `parts` consecutive runs of about equal height."""
    total, cuts, run, start = sum(heights), [], 0, 0
    for index, h in enumerate(heights):
        run += h
        left = len(heights) - index - 1
        if len(cuts) < parts - 1 and left >= parts - 1 - len(cuts) and run >= total * (len(cuts) + 1) / parts:
            cuts.append((start, index + 1))
            start = index + 1
    cuts.append((start, len(heights)))
    return [c for c in cuts if c[0] < c[1]]


def numbered(title: str, part: int, parts: int) -> str:
    """'Youth Justice (1 of 2)', or the title alone when it is one screen."""
    return title if parts == 1 else f"{title} ({part} of {parts})"


# ---- the screens ----------------------------------------------------------------------------------


def _status(indicator: dict) -> str:
    status = status_of(indicator)
    return (
        f'<span class="status" style="background:{status.colour};color:{status.text_colour}">'
        f'<span aria-hidden="true">{status.shape}</span> {escape(status.word)}</span>'
    )


def _table(indicators: list[dict]) -> str:
    """A sub-group's indicators: figure, a year earlier, the change in plain words, status."""
    head = _head({"Indicator": 37, "Figure": 11, "A year earlier": 10, "Change on a year earlier": 29, "Status": 13})
    rows = []
    for i in indicators:
        text = clipped(i["commentary"], NAME_WIDTH + 6, COMMENT_LINES) if i.get("commentary") else ""
        comment = f'<div class="comment">“{escape(text)}”</div>' if text else ""
        rows.append(
            f'<tr><th scope="row">{escape(i["name"])}{comment}</th><td class="figure">{escape(str(i["figure"]))}</td>'
            f'<td>{escape(str(i["comparator"]))}</td><td class="change">{escape(i.get("change") or "–")}</td>'
            f"<td>{_status(i)}</td></tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _summary(snapshot: dict) -> str:
    """The quarter's statuses counted, most severe (red) first, and what follows."""
    counts = "".join(
        f'<li><span class="status" style="background:{s.colour};color:{s.text_colour}">'
        f'<span aria-hidden="true">{s.shape}</span> {n} {escape(s.word)}</span></li>'
        for s, n in status_counts(snapshot).items()
    )
    returns = "".join(f"<li>{escape(r['name'])}: {escape(str(r['status']))}</li>" for r in snapshot["completeness"])
    return (
        f'<ul class="counts" aria-label="Statuses, most severe first">{counts}</ul>'
        f"<p>{len(exceptions(snapshot))} exceptions to discuss, then each sub-group and the open actions.</p>"
        + (f'<p>Returns:</p><ul class="returns">{returns}</ul>' if returns else "")
    )


def _facts(indicator: dict) -> str:
    """An exception's change, variation, assurance and target in plain words."""
    facts = {
        "A year earlier": indicator.get("comparator"),
        "Change": indicator.get("change"),
        "Variation": indicator.get("variation"),
        "Assurance": indicator.get("assurance"),
        "Target": indicator.get("target"),
    }
    items = "".join(f"<dt>{k}</dt><dd>{escape(str(v))}</dd>" for k, v in facts.items() if v and v != "–")
    return f"<dl>{items}</dl>"


def _exception_height(indicator: dict) -> int:
    """The height (px) of an exception's text beside its chart, without its commentary."""
    facts = sum(max(1, lines(v, SIDE_WIDTH - 12)) for v in _fact_values(indicator)) * SMALL_LINE + 10
    return 58 + lines(indicator.get("plain") or "", SIDE_WIDTH - 4) * 30 + 8 + facts


def _fact_values(indicator: dict) -> list[str]:
    keys = ("comparator", "change", "variation", "assurance", "target")
    return [str(indicator.get(k)) for k in keys if indicator.get(k) and indicator.get(k) != "–"]


def exception_screens(indicator: dict) -> list[Screen]:
    """An exception: figure, status, what it means, change, variation and assurance beside its chart;
    commentary too long to fit beside them continues on screens of its own."""
    key, title = f"exception-{indicator['id']}", f"Exception: {indicator['name']}"
    body = (
        f'<p class="big">{escape(str(indicator["figure"]))} {_status(indicator)}</p>'
        f'<p class="plain">{escape(indicator.get("plain") or "")}</p>{_facts(indicator)}'
    )
    room = (SIDE_HEIGHT - _exception_height(indicator)) // SMALL_LINE - 1
    comment, rest = _cut(indicator.get("commentary") or "", SIDE_WIDTH + 4, room)
    if comment:
        body += f'<p class="comment">“{escape(comment)}{"…" if rest else ""}”</p>'
    chart = indicator["id"] if indicator.get("chart") else None
    more = _pages(rest, ACTION_WIDTH + 40, (BODY_HEIGHT - 40) // LINE)
    parts = 1 + len(more)
    out = [Screen(key, numbered(title, 1, parts), body, chart)]
    for n, text in enumerate(more, 2):
        out.append(Screen(f"{key}-{n}", numbered(title, n, parts), f'<p class="comment">“…{escape(text)}”</p>'))
    return out


def _cut(text: str, width: int, most: int) -> tuple[str, str]:
    """`text` as the first `most` lines of `width` characters, and the rest."""
    words = textwrap.wrap(text, width)
    return " ".join(words[: max(0, most)]), " ".join(words[max(0, most) :])


def _pages(text: str, width: int, most: int) -> list[str]:
    """`text` cut into pages of `most` lines of `width` characters."""
    words = textwrap.wrap(text, width)
    return [" ".join(words[n : n + most]) for n in range(0, len(words), most)]


def subgroup_screens(name: str, indicators: list[dict], room: int = BODY_HEIGHT) -> list[Screen]:
    """A sub-group's table, continued on as many screens as it needs (each `room` pixels tall); the
    first keeps the plain key."""
    parts = split_rows(indicators, indicator_row_height, room - TABLE_HEAD)
    key = f"subgroup-{_slug(name)}"
    return [
        Screen(key if n == 1 else f"{key}-{n}", numbered(name, n, len(parts)), _table(part))
        for n, part in enumerate(parts, 1)
    ]


def agenda_row_height(row: list[str]) -> int:
    return max(lines(row[1], ACTION_WIDTH), 1) * LINE + ROW_PADDING


def agenda_screens(snapshot: dict, room: int = BODY_HEIGHT) -> list[Screen]:
    """The meeting's timed agenda, first, when the forward plan has a meeting for the quarter: the
    sub-groups' screens then follow its order."""
    rows = agenda_rows(snapshot)
    if not rows:
        return []
    heading = agenda_heading(snapshot)
    parts = split_rows(rows, agenda_row_height, room - TABLE_HEAD - LINE * lines(heading, STAMP_WIDTH))
    head = _head({"Time": 14, "Item": 46, "Lead": 22, "Purpose": 18})
    out = []
    for n, part in enumerate(parts, 1):
        body_rows = "".join(
            f"<tr><td>{escape(r[0])}</td><td>{escape(r[1])}</td><td>{escape(r[2])}</td><td>{escape(r[3])}</td></tr>"
            for r in part
        )
        body = f"<p>{escape(heading)}</p><table><thead><tr>{head}</tr></thead><tbody>{body_rows}</tbody></table>"
        out.append(Screen("agenda" if n == 1 else f"agenda-{n}", numbered("Agenda", n, len(parts)), body))
    return out


def _worked(action: dict) -> str:
    """Whether the action worked, in the board's words, under its title (nothing if not judged)."""
    effect = action.get("effect")
    return f'<div class="comment">Did it work? {escape(effect)}</div>' if effect else ""


def action_screens(actions: list[dict], room: int = BODY_HEIGHT) -> list[Screen]:
    """The open actions: number, action, owner, due; continued as the sub-groups' tables are."""
    if not actions:
        return [Screen("actions", "Open actions", "<p>No open actions.</p>")]
    parts = split_rows(actions, action_row_height, room - TABLE_HEAD)
    head = _head({"No.": 8, "Action": 54, "Owner": 24, "Due": 14})
    out = []
    for n, part in enumerate(parts, 1):
        rows = "".join(
            f"<tr><td>{escape(str(a.get('id', '')))}</td><td>{escape(str(a.get('title', '')))}{_worked(a)}</td>"
            f"<td>{escape(str(a.get('owner', '')))}</td><td>{escape(str(a.get('due_date', '')))}</td></tr>"
            for a in part
        )
        body = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        out.append(Screen("actions" if n == 1 else f"actions-{n}", numbered("Open actions", n, len(parts)), body))
    return out


def _head(widths: dict[str, int]) -> str:
    """A table's header cells, each with its share of the width (%)."""
    return "".join(f'<th scope="col" style="width:{w}%">{h}</th>' for h, w in widths.items())


def london_row_height(record: dict) -> int:
    """The height (px) of an indicator's row in the 'compared with London' table."""
    return max(lines(record["indicator"], NAME_WIDTH) * LINE, lines(_verdict(record), 30) * LINE) + ROW_PADDING


def _verdict(record: dict) -> str:
    return record["verdict"] + (f" (beyond the {record['strength']} limit)" if record.get("strength") else "")


def london_screens(records: list[dict], room: int = BODY_HEIGHT) -> list[Screen]:
    """The area against London: a table of every comparable indicator (exceptions first), then each
    one beyond its funnel's limits on a screen of its own, its funnel plot beside what it says."""
    if not records:
        return []
    head = _head({"Indicator": 40, "Compared with London": 32, "Rate per 1,000": 14, "London": 14})
    parts = split_rows(records, london_row_height, room - TABLE_HEAD - 2 * LINE)
    out = []
    for n, part in enumerate(parts, 1):
        rows = "".join(
            f'<tr><th scope="row">{escape(r["indicator"])}</th><td><strong>{escape(_verdict(r))}</strong></td>'
            f'<td class="figure">{r["rate"]:,.1f}</td><td>{r["london"]:,.1f}</td></tr>'
            for r in part
        )
        intro = (
            f"<p>{escape(records[0]['period'][:1].upper() + records[0]['period'][1:])}: against every London borough, "
            "allowing for its size "
            "(a funnel plot).</p>"
        )
        key = "london" if n == 1 else f"london-{n}"
        body = f"{intro}<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        out.append(Screen(key, numbered("Compared with London", n, len(parts)), body))
    for n, record in enumerate(records):
        if record.get("chart"):
            body = (
                f'<p class="plain">{escape(_verdict(record))}</p><p>{escape(record["sentence"])}</p>'
                f'<p class="later">{escape(record["rank"])}.</p>'
            )
            out.append(
                Screen(f"london-funnel-{n}", f"Compared with London: {record['indicator']}", body, f"london:{n}")
            )
    return out


def _sentences(text: str) -> tuple[str, str]:
    """The first sentence of `text`, and the rest."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text.strip(), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def places_screens(records: list[dict]) -> list[Screen]:
    """Where it happens: each map beside its finding (the finding's first sentence as the lead); a
    finding too long to fit beside the map continues on a screen of its own."""
    out = []
    for n, record in enumerate(records):
        lead, rest = _sentences(record["finding"])
        room = (SIDE_HEIGHT - 30 * lines(lead, SIDE_WIDTH - 4) - 16) // LINE
        shown, more = _cut(rest, SIDE_WIDTH, room)
        body = f'<p class="plain">{escape(lead)}</p>' + (
            f"<p>{escape(shown)}{'…' if more else ''}</p>" if shown else ""
        )
        pages = _pages(more, ACTION_WIDTH + 40, (BODY_HEIGHT - 40) // LINE)
        key, title = f"places-{n}", place_title(record)
        out.append(Screen(key, numbered(title, 1, 1 + len(pages)), body, f"places:{n}"))
        for m, text in enumerate(pages, 2):
            out.append(Screen(f"{key}-{m}", numbered(title, m, 1 + len(pages)), f"<p>…{escape(text)}</p>"))
    return out


def screens(snapshot: dict, later: str | None = None) -> list[Screen]:
    """The agenda (if the forward plan has the meeting), summary, exceptions (one screen each), the area against London, where it happens (each map
    beside its finding), every sub-group, then open actions; each fits 1280×720 below a stamp and, if `later`, the note that later figures exist."""
    room = BODY_HEIGHT - header_extra(snapshot, later)
    out = agenda_screens(snapshot, room)
    out += [Screen("summary", f"{snapshot['area']}, {snapshot['quarter']}: summary", _summary(snapshot), "summary")]
    for indicator in exceptions(snapshot):
        out += exception_screens(indicator)
    out += london_screens(snapshot.get("london") or [], room)
    out += places_screens(snapshot.get("places") or [])
    for name, indicators in subgroups(snapshot).items():
        out += subgroup_screens(name, indicators, room)
    return out + action_screens(snapshot["actions"], room)


def header_extra(snapshot: dict, later: str | None = None) -> int:
    """The height (px) the stamp and the note on later figures take beyond a one-line stamp."""
    stamp_lines = lines(f"{stamp(snapshot)} · screen 99 of 99", STAMP_WIDTH)
    return (stamp_lines - 1) * STAMP_LINE + (lines(f"{later}.", STAMP_WIDTH) * STAMP_LINE + 4 if later else 0)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def screen_html(
    snapshot: dict,
    screen: Screen,
    number: int,
    total: int,
    with_title: bool = True,
    later: str | None = None,
    with_body: bool = True,
) -> str:
    """One screen as shown: title (unless the page gives it), stamp, body (unless the page places it,
    `body_html`), and where it is in the agenda; `later` says that figures loaded after sign-off exist
    and are not shown."""
    title = f"<h2>{escape(screen.title)}</h2>" if with_title else ""
    note = f'<p class="later">{escape(later)}.</p>' if later else ""
    body = screen.body if with_body else ""
    return (
        f'{MEETING_STYLE}<div class="meeting">{title}'
        f'<p class="stamp">{escape(stamp(snapshot))} · screen {number} of {total}</p>{note}{body}</div>'
    )


def body_html(screen: Screen) -> str:
    """A screen's body on its own (beside its chart)."""
    return f'{MEETING_STYLE}<div class="meeting">{screen.body}</div>'


# ---- charts ---------------------------------------------------------------------------------------


def status_chart(snapshot: dict, height: int = 420) -> go.Figure:
    """The quarter's statuses as bars, each labelled with its shape, count and word, red at the top."""
    counts = status_counts(snapshot)
    statuses = list(counts)
    words = [s.word for s in statuses]
    fig = go.Figure(
        go.Bar(
            x=[counts[s] for s in statuses],
            y=words,
            orientation="h",
            marker=dict(color=[s.colour for s in statuses], line=dict(color=TEXT, width=1)),
            text=[f"{s.shape} {counts[s]} {s.word}" for s in statuses],
            textposition="outside",
            textfont=dict(size=18, color=TEXT),
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        title=dict(text=f"Statuses of {sum(counts.values())} indicators", font=dict(size=20, color=TEXT), x=0),
        font=dict(size=18, color=TEXT),
        height=min(height, 90 + 60 * len(words)),
        margin=dict(l=10, r=10, t=50, b=10),
        paper_bgcolor=WHITE,
        plot_bgcolor=WHITE,
        showlegend=False,
        xaxis=dict(visible=False, range=[0, max(counts.values()) * 1.45]),
        yaxis=dict(visible=False, autorange="reversed"),
    )
    return fig


def figure_alt(snapshot: dict, screen: Screen) -> str:
    """The finding a screen's chart shows, in words (its text alternative)."""
    if screen.key == "summary":
        return "Statuses: " + ", ".join(f"{n} {s.word}" for s, n in status_counts(snapshot).items())
    if screen.chart and screen.chart.startswith("london:"):
        return "Funnel plot: " + (snapshot.get("london") or [])[int(screen.chart.split(":")[1])]["sentence"]
    if screen.chart and screen.chart.startswith("places:"):
        return (snapshot.get("places") or [])[int(screen.chart.split(":")[1])]["finding"]
    return screen.title


def meeting_figure(snapshot: dict, screen: Screen, theme: str = "light", height: int = SIDE_HEIGHT):
    """The summary's statuses, or an exception's SPC chart for the shared screen, `height` pixels tall
    with its x-axis and legend inside, in plain words and in the page's theme."""
    if screen.chart == "summary":
        return themed_figure(status_chart(snapshot, height), theme)
    if screen.chart and screen.chart.startswith("london:"):
        record = (snapshot.get("london") or [])[int(screen.chart.split(":")[1])]
        fig = go.Figure(json.loads(record["chart"]))
        fig.update_layout(title_text="", height=height, margin=dict(t=20, b=110, l=80, r=10), font=dict(size=16))
        return themed_figure(fig, theme)
    if screen.chart and screen.chart.startswith("places:"):
        record = (snapshot.get("places") or [])[int(screen.chart.split(":")[1])]
        return themed_figure(map_figure(record, None, height, 16), theme)
    indicator = next((i for i in snapshot["indicators"] if i["id"] == screen.chart and i.get("chart")), None)
    if indicator is None:
        return None
    fig = plain_words(chart_figure(indicator, wrap=64))
    title_lines = (fig.layout.title.text or "").count("<br>") + 1
    shown = sum(1 for trace in fig.data if trace.showlegend is not False and trace.name)
    top, bottom = 36 + 25 * title_lines, AXIS_SPACE + LEGEND_ROW * math.ceil(shown / 2)
    fig.update_layout(
        font=dict(size=16, color=TEXT),
        title_font=dict(size=19, color=TEXT),
        height=height,
        legend=dict(font_size=15, orientation="h", x=0, xanchor="left", y=-AXIS_SPACE / max(1, height - top - bottom)),
        paper_bgcolor=WHITE,
        plot_bgcolor=WHITE,
        margin=dict(t=top, b=bottom, l=80, r=10),
    )
    fig.update_xaxes(tickfont=dict(size=14, color=TEXT), title=dict(font=dict(size=16, color=TEXT), standoff=4))
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(tickfont=dict(size=15, color=TEXT), title_font=dict(size=16, color=TEXT))
    return themed_figure(fig, theme)


AXIS_SPACE = 98  # below the plot: tick labels at 45° and the axis title
LEGEND_ROW = 26  # a row of the legend, two entries a row


def plain_words(fig: go.Figure) -> go.Figure:
    """A chart's title and legend in the words a board reads ("worse than usual", not "special cause:
    concern"), as on the rest of the meeting screens."""
    title = fig.layout.title.text or ""
    for words, plain in PLAIN_CHART_WORDS.items():
        title = title.replace(words, plain).replace(words[0].lower() + words[1:], plain[0].lower() + plain[1:])
    fig.update_layout(title_text=title)
    for trace in fig.data:
        for words, plain in PLAIN_CHART_WORDS.items():
            if trace.name and trace.name.startswith(words):
                trace.name = plain + trace.name.removeprefix(words)
    return fig


PLAIN_CHART_WORDS = {
    "only common-cause variation": "nothing unusual",
    "Process limits": "Limits of the usual range",
    **{VARIATION_WORDS[k]: VARIATION_PLAIN[k] for k in VARIATION_WORDS},
}


# ---- the dark theme -------------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[float, float, float, float | None] | None:
    """'#rgb', '#rrggbb', 'white', 'black', 'rgb(…)' or 'rgba(…)' as red, green, blue (0–255) and alpha."""
    colour = colour.strip().lower()
    named = {"white": "#ffffff", "black": "#000000"}
    colour = named.get(colour, colour)
    if re.fullmatch(r"#[0-9a-f]{3}", colour):
        colour = "#" + "".join(c * 2 for c in colour[1:])
    if re.fullmatch(r"#[0-9a-f]{6}", colour):
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16), None
    found = re.fullmatch(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", colour)
    if found:
        r, g, b, a = found.groups()
        return float(r), float(g), float(b), None if a is None else float(a)
    return None


def luminance(colour: str) -> float:
    """WCAG relative luminance of a colour."""
    r, g, b, _ = _rgb(colour) or (0, 0, 0, None)

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def on_dark(colour: str, minimum: float = 3.0) -> str:
    """A colour for the dark background: white (a hollow marker's fill) becomes the background, the
    light theme's text the dark theme's, and anything darker than `minimum`:1 is lightened."""
    parsed = _rgb(colour) if isinstance(colour, str) else None
    if parsed is None:
        return colour
    if parsed[:3] == (255, 255, 255) and parsed[3] is None:
        return DARK["background"]
    if colour.strip().lower() == TEXT:
        return DARK["text"]
    r, g, b, alpha = parsed
    for step in range(11):
        mix = step / 10
        shade = tuple(round(c + (255 - c) * mix) for c in (r, g, b))
        candidate = "#{:02x}{:02x}{:02x}".format(*shade)
        if contrast(candidate, DARK["background"]) >= minimum:
            break
    return candidate if alpha is None else f"rgba({shade[0]}, {shade[1]}, {shade[2]}, {alpha})"


def themed_figure(fig: go.Figure, theme: str) -> go.Figure:
    """`fig` as drawn in the page's theme: for the dark theme a dark paper and plot, light text
    (4.5:1) and lines and marks lightened to 3:1 against the background."""
    if theme != "dark":
        return fig
    spec = fig.to_plotly_json()
    template = spec["layout"].pop("template", None)
    data = [_recoloured(trace, ()) for trace in spec["data"]]
    layout = _recoloured(spec["layout"], ())
    layout.update(paper_bgcolor=DARK["background"], plot_bgcolor=DARK["background"])
    layout.setdefault("font", {})["color"] = DARK["text"]
    layout["hoverlabel"] = {**layout.get("hoverlabel", {}), "bgcolor": DARK["band"], "font": {"color": DARK["text"]}}
    out = go.Figure(data=data, layout=layout)
    if template is not None:
        out.update_layout(template=template)
    return out


def _recoloured(value, path: tuple[str, ...]):
    """Every colour in a figure's data or layout, for the dark theme (text at 4.5:1, marks at 3:1)."""
    if isinstance(value, dict):
        return {k: _recoloured(v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_recoloured(v, path) for v in value]
    key = path[-1] if path else ""
    if not key.endswith("color") or not isinstance(value, str):
        return value
    if key in ("paper_bgcolor", "plot_bgcolor", "bgcolor"):
        return DARK["background"]
    if key == "gridcolor":
        return DARK["grid"]
    return on_dark(value, 4.5 if "font" in path or "textfont" in path else 3.0)
