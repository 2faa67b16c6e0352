"""The terms a board meets on the dashboard's screens and papers, in plain English (the Glossary page)."""

TERMS = {
    "Usual range": "The range a figure moves within from period to period when nothing has changed: worked "
    "out from its own last three years (at most 36 points). A figure outside it, or a run of figures on one "
    "side, is unusual: something has probably changed.",
    "Statistical process control (SPC)": "The method behind the usual range and the icons, as NHS boards use it "
    "(NHS England's Making Data Count). It tells a real change from the ups and downs every figure has.",
    "Variation icon": "What the latest figure shows against its usual range: nothing unusual (~), better than "
    "usual (▲), worse than usual (▼), or unusually high or low (H, L) where neither direction is better.",
    "Assurance icon": "Whether the target will be met: reliably met (P), reliably missed (F), or hit and miss "
    "(?), when the target lies inside the usual range so some periods meet it and some do not.",
    "Indicative target": "A default target from the indicator catalogue, not yet confirmed for this year (marked *).",
    "Change on a year earlier": "The figure against the same period a year before. It is called a real change "
    "only when it is beyond the usual ups and downs; small numbers often swing a lot by chance.",
    "Rolling 12 months": "The 12 months to the end of the quarter: steadier than one quarter, used where a "
    "national definition does (first time entrants).",
    "Quarter": "UK financial-year quarters: Q1 April–June, Q2 July–September, Q3 October–December, Q4 "
    "January–March, labelled like 2024/25 Q1.",
    "Provisional": "One of a police release's newest months, which the next release usually revises upward.",
    "[c]": "Withheld under the partnership's disclosure policy: a count of 1 to 4, or a figure from which one "
    "could be worked out. Every hidden figure carries the same mark.",
    "Relative rate index": "A group's rate against the White group's rate: 2 means twice as likely. Called "
    "over- or under-represented only when chance alone is an unlikely explanation.",
    "Funnel plot": "Every London borough's rate against its number of residents, with London's rate as the "
    "centre line and limits that widen for smaller boroughs, where chance moves a rate more. A borough inside "
    "the limits is similar to London; outside them, better or worse than chance explains. It replaces a league "
    "table, whose ranks move by chance alone; the rank is still given, for information.",
    "Better, similar or worse than London": "Where the area lies against the funnel plot's limits: 95% (beyond "
    "them happens by chance about one time in twenty) and 99.8% (about one time in five hundred).",
    "Gaps between events": "For rare serious events (domestic homicide reviews, lethal barrel discharges), the "
    "chart shows the number of periods from one event to the next: a long gap is good news, gaps of 0 again "
    "and again are events close together.",
    "LSOA": "Lower layer Super Output Area: a small neighbourhood of about 1,500 residents that the Office for "
    "National Statistics defines (Hackney has 149). Police publish crime for each one, which is what the maps show.",
    "Above the average beyond chance": "On a map, a place whose figure is higher than the average by more than "
    "chance explains (beyond the 99.8% funnel limit). A place with a few crimes where the average is one or two is "
    "not marked: small numbers swing a lot by chance.",
    "Not rated": "No status: no figure, too small to publish, too few cases, or too short a series to judge.",
}
