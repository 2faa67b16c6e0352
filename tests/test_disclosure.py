"""Disclosure control: no suppressed value can be recovered from the published cells."""

from hypothesis import given, settings
from hypothesis import strategies as st

from cspdash.disclosure import DEFAULT_POLICY, protect, recoverable, table_relations

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
