"""Sub-group page: mps_crime."""

from pages.shared import subgroup_page

subgroup_page("mps_crime")
