"""Meeting mode: the board's agenda as screens for a shared browser tab at about 1280×720, from the
same snapshot as the board pack: summary, exceptions, each sub-group, then actions. Large type,
high contrast, the "data as at" stamp on every screen."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import plotly.graph_objects as go

from cspdash.boardpack import chart_figure, exceptions, stamp, status_counts, subgroups
from cspdash.palette import TEXT, WHITE
from cspdash.snapshot import status_of

MEETING_STYLE = """<style>
.meeting, .meeting p, .meeting td, .meeting th, .meeting li {font-size: 21px !important; line-height: 1.45; color: var(--csp-text, #0b0c0c);}
.meeting h2 {font-size: 34px; margin: 0 0 0.4rem;}
.meeting .stamp {font-size: 17px; font-weight: 700; border-left: 6px solid var(--csp-strong-rule, #0b0c0c); padding-left: 0.6rem; margin-bottom: 0.8rem;}
.meeting table {border-collapse: collapse; width: 100%;}
.meeting th, .meeting td {text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--csp-rule, #b1b4b6); vertical-align: top;}
.meeting thead th {border-bottom: 3px solid var(--csp-strong-rule, #0b0c0c);}
.meeting .figure, .meeting td.figure {font-size: 28px !important; font-weight: 700; white-space: nowrap;}
.meeting p.big {font-size: 40px !important; font-weight: 700; margin: 0.2rem 0;}
.meeting .status {display: inline-block; padding: 0.1rem 0.6rem; border: 2px solid var(--csp-strong-rule, #0b0c0c); font-weight: 700; white-space: nowrap;}
.meeting .why {font-size: 18px !important; color: var(--csp-text, #0b0c0c);}
.meeting .comment {font-style: italic;}
.meeting p.later {font-size: 17px !important; margin-top: -0.4rem;}
.meeting p.counts {font-size: 30px !important; font-weight: 700; margin: 0.6rem 0 1rem;}
</style>"""


@dataclass(frozen=True)
class Screen:
    """One agenda item: its title, its body (HTML) and the link key that reopens it."""

    key: str
    title: str
    body: str


def _status(indicator: dict) -> str:
    status = status_of(indicator)
    return (
        f'<span class="status" style="background:{status.colour};color:{status.text_colour}">'
        f'<span aria-hidden="true">{status.shape}</span> {escape(status.word)}</span>'
    )


def _table(indicators: list[dict], with_reason: bool = True) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in ("Indicator", "Figure", "A year earlier", "Status"))
    rows = []
    for i in indicators:
        why = f'<div class="why">{escape(i["reason"])}</div>' if with_reason else ""
        comment = f'<div class="comment">“{escape(i["commentary"])}”</div>' if i["commentary"] else ""
        rows.append(
            f'<tr><th scope="row">{escape(i["name"])}{comment}</th><td class="figure">{escape(str(i["figure"]))}</td>'
            f"<td>{escape(str(i['comparator']))}</td><td>{_status(i)}{why}</td></tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def screens(snapshot: dict) -> list[Screen]:
    """Summary, exceptions (one screen each), every sub-group, then open actions."""
    returns = "; ".join(f"{r['name']} — {r['status']}" for r in snapshot["completeness"])
    summary = (  # the statuses follow as a chart (meeting_figure), its counts in its labels and text alternative
        f"<p>{len(exceptions(snapshot))} exceptions to discuss, then each sub-group and the open actions.</p>"
        + (f"<p>Returns: {escape(returns)}.</p>" if returns else "")
    )
    out = [Screen("summary", f"{snapshot['area']}, {snapshot['quarter']}: summary", summary)]
    for i in exceptions(snapshot):
        body = f'<p class="big">{escape(str(i["figure"]))} {_status(i)}</p><p>{escape(i["headline"])}</p>' + (
            f'<p class="comment">“{escape(i["commentary"])}”</p>' if i["commentary"] else ""
        )
        out.append(Screen(f"exception-{i['id']}", f"Exception: {i['name']}", body))
    for name, indicators in subgroups(snapshot).items():
        out.append(Screen(f"subgroup-{_slug(name)}", name, _table(indicators, with_reason=False)))
    actions = snapshot["actions"]
    body = (
        "<table><thead><tr><th scope='col'>No.</th><th scope='col'>Action</th><th scope='col'>Owner</th>"
        "<th scope='col'>Due</th></tr></thead><tbody>"
        + "".join(
            f"<tr><td>{a.get('id', '')}</td><td>{escape(str(a.get('title', '')))}</td>"
            f"<td>{escape(str(a.get('owner', '')))}</td><td>{escape(str(a.get('due_date', '')))}</td></tr>"
            for a in actions
        )
        + "</tbody></table>"
        if actions
        else "<p>No open actions.</p>"
    )
    out.append(Screen("actions", "Open actions", body))
    return out


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def screen_html(
    snapshot: dict, screen: Screen, number: int, total: int, with_title: bool = True, later: str | None = None
) -> str:
    """One screen as shown: title (unless the page gives it), stamp, body, and where it is in the agenda;
    `later` says that figures loaded after sign-off exist and are not shown."""
    title = f"<h2>{escape(screen.title)}</h2>" if with_title else ""
    note = f'<p class="later">{escape(later)}.</p>' if later else ""
    return (
        f'{MEETING_STYLE}<div class="meeting">{title}'
        f'<p class="stamp">{escape(stamp(snapshot))} · screen {number} of {total}</p>{note}{screen.body}</div>'
    )


def status_chart(snapshot: dict) -> go.Figure:
    """The quarter's statuses as bars, each labelled with its shape, count and word."""
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
        height=90 + 42 * len(words),
        margin=dict(l=10, r=10, t=50, b=10),
        paper_bgcolor=WHITE,
        plot_bgcolor=WHITE,
        showlegend=False,
        xaxis=dict(visible=False, range=[0, max(counts.values()) * 1.35]),
        yaxis=dict(visible=False, autorange="reversed"),
    )
    return fig


def figure_alt(snapshot: dict, screen: Screen) -> str:
    """The finding a screen's chart shows, in words (its text alternative)."""
    if screen.key == "summary":
        return "Statuses: " + ", ".join(f"{n} {s.word}" for s, n in status_counts(snapshot).items())
    return screen.title


def meeting_figure(snapshot: dict, screen: Screen):
    """The summary's statuses, or an exception's SPC chart for the shared screen: larger text, title
    across the width, sized so the whole screen fits 1280×720."""
    if screen.key == "summary":
        return status_chart(snapshot)
    if not screen.key.startswith("exception-"):
        return None
    wanted = screen.key.removeprefix("exception-")
    indicator = next((i for i in snapshot["indicators"] if i["id"] == wanted and i.get("chart")), None)
    if indicator is None:
        return None
    fig = chart_figure(indicator, wrap=90)
    fig.update_layout(
        font=dict(size=18, color=TEXT),
        title_font=dict(size=20, color=TEXT),
        height=370,
        legend=dict(font_size=16, orientation="v", x=1.01, xanchor="left", y=1, yanchor="top"),
        paper_bgcolor=WHITE,
        plot_bgcolor=WHITE,
        margin=dict(b=80, r=10),
    )
    fig.update_xaxes(tickfont=dict(size=16, color=TEXT), title_font=dict(size=18, color=TEXT))
    fig.update_yaxes(tickfont=dict(size=16, color=TEXT), title_font=dict(size=18, color=TEXT))
    return fig
