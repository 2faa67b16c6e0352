"""Sign-off and the board pack: an admin freezes the quarter; everyone gets the papers in one click."""

import streamlit as st

from cspdash.boardpack import ChartsUnavailable, build_pack, loaded_since, stamp
from cspdash.store import records
from pages.public_site_sections import public_site
from pages.shared import board, current_person, engine, require, selected, version

FORMATS = {"pdf": ("PDF", "application/pdf"), "pptx": ("PowerPoint", None), "xlsx": ("Excel", None)}

area, quarter = selected()
if quarter is None:
    st.title("Sign-off and board pack")
    st.info(f"No figures are stored for {area} yet.")
    st.stop()
st.title(f"Board pack: {area}, {quarter.label}")
reader = board()
signed = reader.signed_off(area, quarter)
if signed:
    st.success(stamp(signed) + ".", icon=":material/verified:")
    if later := loaded_since(signed, board().data_as_at(area)):
        st.warning(
            f"{later}. The pack and meeting mode show the signed-off figures; later revisions are not mixed in. "
            "Sign off again to include them.",
            icon=":material/history:",
        )
else:
    st.info(
        "This quarter is not signed off: a pack built now is a DRAFT from the figures as they stand.",
        icon=":material/pending:",
    )

person = current_person()
if person.can("sign_off"):
    st.header("Sign off")
    seen_key = f"signoff-seen-{area}-{quarter.label}"
    if st.button(f"Sign off {quarter.label} for {area}", type="primary"):
        require("sign_off")
        if st.session_state.get(seen_key) != version():
            st.error("The figures changed while you were looking at them: review them and sign off again.")
        else:
            records.sign_off(engine(), area, quarter, person.email, reader.snapshot(area, quarter))
            st.session_state.pop("pack", None)
            st.rerun()
    st.session_state[seen_key] = version()
    st.caption(
        "Signing off freezes the figures as published (the disclosure policy applies), statuses, commentary, "
        "open actions and returns: meeting mode and the pack show them, stamped with who signed off and when."
    )

st.header("Board pack")
st.caption(
    "Cover with “data as at”, contents, the summary with statuses, each exception with its SPC chart and "
    "commentary, a section per sub-group, returns and data quality, open actions."
)
columns = st.columns(len(FORMATS))
for column, (fmt, (label, _)) in zip(columns, FORMATS.items(), strict=True):
    if column.button(f"Build the {label} pack", key=f"build-{fmt}"):
        bar = st.progress(0.0, text=f"Building the {label} pack…")
        try:
            snapshot = signed or reader.draft(area, quarter)
            data = build_pack(snapshot, fmt, lambda done, bar=bar: bar.progress(done, text=f"Charts… {done:.0%}"))
        except ChartsUnavailable as error:
            bar.empty()
            st.error(f"The {label} pack could not be built: {error}.")
        else:
            bar.progress(1.0, text="Done")
            st.session_state["pack"] = (area, quarter.label, fmt, data)
pack = st.session_state.get("pack")
if pack and pack[:2] == (area, quarter.label):
    _, _, fmt, data = pack
    label, mime = FORMATS[fmt]
    name = f"board_pack_{area}_{quarter.label}.{fmt}".replace(" ", "_").replace("/", "-")
    st.download_button(f"Download the {label} pack", data, file_name=name, mime=mime or "application/octet-stream")
public_site(area, quarter, signed)
