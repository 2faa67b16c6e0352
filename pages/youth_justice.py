"""Sub-group page: youth_justice."""

from pages.shared import subgroup_page

subgroup_page("youth_justice")
