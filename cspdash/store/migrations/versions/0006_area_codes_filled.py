"""areas' empty codes filled where the code is known: an area's code no longer depends on which file
was loaded first

Before this revision an area kept the code of the first file that brought it: an MPS borough release
(no codes) loaded before the knife crime extract (codes) left every borough without one. Loading now
fills an empty code from any file; this mends stores made before. An empty code is filled:

- for a local authority (kind 'la') named as a London borough, with its ONS code (the 33 codes of
  cspdash/data/population_london.csv, written out here so that this revision never changes);
- else from the other rows of the same kind and name that carry a code, when they all give one code
  and their parent is the row's own or one of the two is not known ('').

A code already there is never changed. Nothing to undo on downgrade: a filled code is a correct one.

Also an index on the areas' names: a file's areas (and the figures in force for them) are looked up
by name.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:00:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LONDON_BOROUGHS = {
    "City of London": "E09000001",
    "Barking and Dagenham": "E09000002",
    "Barnet": "E09000003",
    "Bexley": "E09000004",
    "Brent": "E09000005",
    "Bromley": "E09000006",
    "Camden": "E09000007",
    "Croydon": "E09000008",
    "Ealing": "E09000009",
    "Enfield": "E09000010",
    "Greenwich": "E09000011",
    "Hackney": "E09000012",
    "Hammersmith and Fulham": "E09000013",
    "Haringey": "E09000014",
    "Harrow": "E09000015",
    "Havering": "E09000016",
    "Hillingdon": "E09000017",
    "Hounslow": "E09000018",
    "Islington": "E09000019",
    "Kensington and Chelsea": "E09000020",
    "Kingston upon Thames": "E09000021",
    "Lambeth": "E09000022",
    "Lewisham": "E09000023",
    "Merton": "E09000024",
    "Newham": "E09000025",
    "Redbridge": "E09000026",
    "Richmond upon Thames": "E09000027",
    "Southwark": "E09000028",
    "Sutton": "E09000029",
    "Tower Hamlets": "E09000030",
    "Waltham Forest": "E09000031",
    "Wandsworth": "E09000032",
    "Westminster": "E09000033",
}

areas = sa.table(
    "areas",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("parent", sa.String),
    sa.column("name", sa.String),
    sa.column("code", sa.String),
)
store_version = sa.table("store_version", sa.column("id", sa.Integer), sa.column("version", sa.BigInteger))


def codes_to_fill(rows: list[tuple[int, str, str, str, str]]) -> dict[int, str]:
    """{area id: code} for the rows (id, kind, parent, name, code) whose code is empty and known."""
    coded: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for _id, kind, parent, name, code in rows:
        if code:
            coded.setdefault((kind, name), []).append((parent, code))
    filled = {}
    for area_id, kind, parent, name, code in rows:
        if code:
            continue
        if kind == "la" and name in LONDON_BOROUGHS:
            filled[area_id] = LONDON_BOROUGHS[name]
            continue
        found = {c for p, c in coded.get((kind, name), []) if p == parent or not p or not parent}
        if len(found) == 1:
            filled[area_id] = found.pop()
    return filled


def upgrade() -> None:
    op.create_index("ix_areas_name", "areas", ["name"])
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(areas.c.id, areas.c.kind, areas.c.parent, areas.c.name, areas.c.code).where(areas.c.name != "")
    ).all()
    filled = codes_to_fill([(i, k, p or "", n, c or "") for i, k, p, n, c in rows])
    if not filled:
        return
    connection.execute(
        sa.update(areas)
        .where(areas.c.id == sa.bindparam("area_id"), sa.or_(areas.c.code == "", areas.c.code.is_(None)))
        .values(code=sa.bindparam("new_code")),
        [{"area_id": area_id, "new_code": code} for area_id, code in filled.items()],
    )
    # figures read with their areas' codes (rates per resident, the export) change: every app
    # instance reads them afresh
    connection.execute(
        sa.update(store_version).where(store_version.c.id == 1).values(version=store_version.c.version + 1)
    )


def downgrade() -> None:
    op.drop_index("ix_areas_name", table_name="areas")
