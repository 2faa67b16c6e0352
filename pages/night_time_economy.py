"""Sub-group page: night_time_economy."""

from pages.shared import subgroup_page

subgroup_page("night_time_economy")
