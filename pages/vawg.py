"""Sub-group page: vawg."""

from pages.shared import subgroup_page

subgroup_page("vawg")
