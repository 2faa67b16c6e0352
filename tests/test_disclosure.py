"""Disclosure control: no suppressed value can be recovered from the published cells."""

from hypothesis import given, settings
from hypothesis import strategies as st

from cspdash.disclosure import DEFAULT_POLICY, feasible_ranges, protect, recoverable, table_relations

TOTAL = "Total"


def table(counts: list[list[int]]) -> tuple[dict, list]:
    rows, columns = range(len(counts)), range(len(counts[0]))
    values = {(r, c): counts[r][c] for r in rows for c in columns}
    for r in rows:
        values[(r, TOTAL)] = sum(counts[r])
    for c in columns:
        values[(TOTAL, c)] = sum(counts[r][c] for r in rows)
    values[(TOTAL, TOTAL)] = sum(map(sum, counts))
    return values, table_relations(list(rows), list(columns), TOTAL)


def test_the_city_return_from_the_issue_cannot_be_undone_by_subtraction():
    """Under-25s = 6, under-18s = 2 ('<5'), 18-24 = 4: hiding only the 2 leaves it as 6 - 4."""
    values = {"under 25": 6, "under 18": 2, "18-24": 4}
    relations = [("under 25", ["under 18", "18-24"])]
    hidden = protect(values, relations)
    assert {"under 18", "18-24"} <= hidden  # 4 is primary too; either way nothing is left to subtract
    assert not recoverable(relations, hidden)
    assert recoverable(relations, {"under 18"}) == {"under 18"}


def test_a_single_hidden_cell_in_a_row_gets_a_partner():
    values, relations = table([[10, 3, 12], [8, 9, 15]])
    hidden = protect(values, relations)
    assert (0, 1) in hidden and len(hidden) >= 4  # its row and its column each need another
    assert not recoverable(relations, hidden)


def test_a_bridge_between_two_hidden_cycles_is_found_by_solving_not_subtraction():
    """Every row and column with a hidden cell has two or more, so no single subtraction gives any of
    them; yet the cell joining the two blocks follows from the relations solved together."""
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    _, relations = table([[1] * 4 for _ in range(4)])
    for line in range(4):
        assert sum(r == line for r, _ in hidden) >= 2 and sum(c == line for _, c in hidden) >= 2
    assert recoverable(relations, hidden) == {(1, 2)}


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda n_rows: st.integers(2, 5).flatmap(
            lambda n_cols: st.lists(
                st.lists(st.one_of(st.integers(0, 6), st.integers(5, 60)), min_size=n_cols, max_size=n_cols),
                min_size=n_rows,
                max_size=n_rows,
            )
        )
    )
)
def test_no_suppressed_value_can_be_recovered_from_a_random_table(counts):
    values, relations = table(counts)
    hidden = protect(values, relations)
    assert {k for k, v in values.items() if DEFAULT_POLICY.primary(v)} <= hidden
    assert not recoverable(relations, hidden)
    assert all(high - low >= 5 for low, high in feasible_ranges(values, relations, hidden).values())


def test_a_hidden_part_is_widened_not_just_made_unrecoverable():
    """Total 6 = 2 + 4 + 0: hiding 2 and 4 leaves each in 0..6, wide enough; total 6 = 1 + 1 + 4
    with the two 1s hidden leaves each in 0..2, so a third part must go (the 4)."""
    relations = [("total", ["a", "b", "c"])]
    assert protect({"total": 6, "a": 2, "b": 4, "c": 0}, relations) == {"a", "b"}
    hidden = protect({"total": 6, "a": 1, "b": 1, "c": 4}, relations)
    assert hidden == {"a", "b", "c"}
    assert feasible_ranges({"total": 6, "a": 1, "b": 1, "c": 4}, relations, {"a", "b"}) == {
        "a": (0.0, 2.0),
        "b": (0.0, 2.0),
    }


def test_a_part_with_no_row_is_a_published_zero():
    """Brownswood 2024-02: total 104, the categories published sum to 100: the hidden 4 is pinned."""
    relations = [("total", ["drugs", "theft"])]  # fraud has no row: it adds nothing
    values = {"total": 104, "drugs": 4, "theft": 100}
    assert feasible_ranges(values, relations, {"drugs"}) == {"drugs": (4.0, 4.0)}
    hidden = protect(values, relations)
    assert hidden == {"drugs", "theft"}


def test_ranges_under_an_inequality_and_a_tree_agree_with_linear_programming():
    """A force's count is at least its LSOAs': each LSOA's hidden count is capped by what is left."""
    values = {"force": 30, "l1": 2, "l2": 1, "l3": 20, "l1_all": 10, "l1_other": 8}
    relations = [("l1_all", ["l1", "l1_other"])]
    bounds = [(["force"], ["l1", "l2", "l3"])]
    ranges = feasible_ranges(values, relations, {"l1", "l2", "l1_other"}, bounds)
    assert ranges["l2"] == (0.0, 10.0) and ranges["l1"] == (0.0, 10.0)
    hidden = protect(values, relations, bounds=bounds)
    widths = feasible_ranges(values, relations, hidden, bounds)
    assert all(high - low >= 5 for low, high in widths.values())
