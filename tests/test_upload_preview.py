"""The upload preview compares a file with the figures it touches, whatever their level: a real MPS
ward release uploaded again previews as unchanged, and a changed ward figure as revised."""

import pandas as pd

from cspdash.store.db import open_store
from data_loaders.ingest import check_upload, ingest_files

WARD_RELEASE = "mps_ward/mps_ward_24m_202402-202601.csv"


def test_a_ward_release_uploaded_again_previews_as_unchanged(tmp_path, reference):
    path = reference / WARD_RELEASE
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    ingest_files(engine, [path], submitted_by="analyst@hackney.gov.uk")

    again = check_upload(engine, path.name, path.read_bytes(), {})
    assert again.ok, again.problems
    wards = again.changes[again.changes["area_kind"] == "ward"]
    assert len(wards) > 1000 and set(wards["change"]) == {"unchanged"}

    frame = pd.read_csv(path)
    row = frame.index[frame["WardName"] == "Hackney Central"][0]
    frame.loc[row, "202501"] += 1000
    changed = check_upload(engine, path.name, frame.to_csv(index=False).encode(), {})
    revised = changed.changes[changed.changes["change"] == "revised"]
    assert len(revised) >= 1 and set(revised["area"]) == {"Hackney Central"}
    assert (revised["value"] - revised["old_value"] == 1000).all()
    assert set(changed.changes["change"]) <= {"unchanged", "revised"}
