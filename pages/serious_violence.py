"""Sub-group page: serious_violence."""

from pages.shared import subgroup_page

subgroup_page("serious_violence")
