"""Every colour, shape and word the dashboard shows for a status or an SPC signal, in one place:
the government Analysis Function's accessible palette and the Making Data Count colours
(../shared/DOMAIN.md). Colour is never the only cue: each colour comes with a shape and a word."""

from __future__ import annotations

TEXT = "#0b0c0c"  # body text (GOV.UK black)
SECONDARY_TEXT = "#505a5f"  # 7:1 on white: captions, reference lines
GRID = "#dddddd"
RULE = "#b1b4b6"
WHITE = "#ffffff"
FONT_FAMILY = "Arial, Helvetica, sans-serif"

# The page's own text, for the light and the dark theme: the project's HTML reads these as CSS
# variables (`var(--csp-text, #0b0c0c)`), falling back to the light values (the board pack).
THEME_COLOURS = {
    "light": {
        "text": TEXT,
        "muted": SECONDARY_TEXT,
        "rule": RULE,
        "strong-rule": TEXT,
        "band": "#f3f2f1",
        "page": "#ffffff",
    },
    "dark": {
        "text": "#f3f2f1",
        "muted": "#c4c8cb",
        "rule": "#6f777b",
        "strong-rule": "#f3f2f1",
        "band": "#2b2f33",
        "page": "#0e1117",
    },
}


def theme_css(theme: str) -> str:
    """The CSS variables of one theme ("light" or "dark"), for a page's style block."""
    colours = THEME_COLOURS.get(theme, THEME_COLOURS["light"])
    return ":root {" + " ".join(f"--csp-{name}: {value};" for name, value in colours.items()) + "}"


def themed(name: str) -> str:
    """A CSS colour that follows the page's theme: `themed("text")` → var(--csp-text, #0b0c0c)."""
    return f"var(--csp-{name}, {THEME_COLOURS['light'][name]})"


# Analysis Function categorical palette (at most four categories in one chart)
CATEGORICAL = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE = CATEGORICAL[:4]

# Statuses: word, shape, background, text colour, severity (exceptions first)
STATUSES = {
    "RED": ("Red", "◆", "#d4351c", WHITE, 0),
    "AMBER": ("Amber", "▲", "#ffbf47", TEXT, 1),
    "UNUSUAL": ("Unusual", "◇", "#490092", WHITE, 2),
    "GREEN": ("Green", "●", "#00703c", WHITE, 3),
    "NO_SIGNAL": ("No signal", "—", "#dee0e2", TEXT, 4),
    "NOT_RATED": ("Not rated", "○", "#f3f2f1", TEXT, 5),
}

# Making Data Count icons (background, text, symbol): grey common cause, blue improvement,
# orange concern, purple neutral
VARIATION_ICONS = {
    "common_cause": ("#a6a6a6", TEXT, "~"),
    "special_cause_improvement": ("#00b0f0", TEXT, "▲"),
    "special_cause_concern": ("#e46c0a", TEXT, "▼"),
    "special_cause_neutral_high": ("#490092", WHITE, "H"),
    "special_cause_neutral_low": ("#490092", WHITE, "L"),
}
ASSURANCE_ICONS = {
    "consistent_pass": ("#00b0f0", TEXT, "P"),
    "consistent_fail": ("#e46c0a", TEXT, "F"),
    "inconsistent": ("#a6a6a6", TEXT, "?"),
}

# SPC chart points: the Making Data Count hues, darkened to 3:1 against white, each with a shape
SPC_POINTS = {
    "common_cause": ("#7f7f7f", "circle", "Usual ups and downs"),
    "special_cause_improvement": ("#0072b2", "triangle-up", "Better than usual"),
    "special_cause_concern": ("#c65102", "triangle-down", "Worse than usual"),
    "special_cause_neutral_high": ("#490092", "diamond", "Unusually high"),
    "special_cause_neutral_low": ("#490092", "diamond", "Unusually low"),
}


# Page CSS the pages add: captions at 7:1 contrast and a visible focus everywhere (HOUSE_STYLE); less
# space above a page's title, so a board's summary starts at the top of a shared screen (COMPACT).
HOUSE_STYLE = """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {color: var(--csp-muted) !important; opacity: 1 !important;}
:focus-visible {outline: 3px solid #ffdd00 !important; outline-offset: 0; box-shadow: 0 0 0 5px #0b0c0c !important;}
</style>"""

COMPACT = """<style>
[data-testid="stMainBlockContainer"], .block-container {padding-top: 3rem !important;}
h1 {font-size: 1.6rem !important; padding: 0 0 0.1rem !important;}
</style>"""
