"""Property-based: whatever an analyst types into a template's cells, a loader never crashes —
the file either loads or is refused with located problems."""

import io
from datetime import date, datetime

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_loaders import ReturnRefused, load_file
from data_loaders.kinds import return_kinds
from data_loaders.template import HEADER_ROW, template_bytes

TODAY = date(2025, 6, 1)
EXCEL_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=12)  # what a cell can hold
CELL_VALUES = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    EXCEL_TEXT,
    st.sampled_from(["<5", "*", "Under 5", "1,234", " 12 ", "31%", "0.31", "n/a", "-", "=SUM(C9:C10)", "#DIV/0!"]),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
    st.booleans(),
)
DETAIL_VALUES = st.one_of(
    st.sampled_from(
        [
            "Hackney",
            "City of London",
            "hackney ",
            "Atlantis",
            "",
            "2024/25 Q1",
            "Q3 2023/24",
            "Apr-Jun 2024",
            "2024/25 Q9",
        ]
    ),
    EXCEL_TEXT,
    st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 1, 1)),
)


def workbook_with(tmp_path_factory, kind: str, details: dict, cells: dict) -> object:
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(kind, today=TODAY)))
    sheet = book["Return"]
    for ref, value in {**details, **cells}.items():
        sheet[ref] = value
    path = tmp_path_factory.mktemp("prop") / f"{kind}.xlsx"
    book.save(path)
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(sorted(return_kinds())),
    area=DETAIL_VALUES,
    quarter=DETAIL_VALUES,
    values=st.dictionaries(
        st.tuples(st.integers(HEADER_ROW + 1, HEADER_ROW + 20), st.sampled_from("ACDEF")),
        CELL_VALUES,
        max_size=12,
    ),
)
def test_random_cells_in_a_template_load_or_are_refused_with_locations(tmp_path_factory, kind, area, quarter, values):
    cells = {f"{column}{row}": value for (row, column), value in values.items()}
    path = workbook_with(tmp_path_factory, kind, {"B4": area, "B5": quarter}, cells)
    try:
        loaded = load_file(path, today=TODAY)
    except ReturnRefused as refused:
        assert refused.problems
        for problem in refused.problems:
            assert problem.file == path.name and problem.code and problem.message
            assert problem.cell or problem.code in {"missing-sheet", "no-data"}
    else:
        obs = loaded.observations
        assert not obs.empty and set(obs["area"]) <= {"Hackney", "City of London"}
        assert (obs["value"].dropna() >= 0).all()
