"""What the "Sign-off and board pack" page draws for admins under "Public site": the signed-off quarter as
a static site (HTML pages, charts, CSV) to download as a zip, built by `cspdash.public_site` from the
signed-off snapshot; the download is recorded in the audit log."""

from __future__ import annotations

import streamlit as st

from cspdash.periods import Quarter
from cspdash.public_site import NotPublishable, build, record_publication, site_name, zip_site
from pages.shared import current_person, engine, route_through_app


def public_site(area: str, quarter: Quarter, signed: dict | None) -> None:
    """The download, for those who may publish; nothing for anyone else."""
    person = current_person()
    if not person.can("publish"):
        return
    st.header("Public site")
    if not signed:
        st.caption("Once the quarter is signed off, its public site (figures under the disclosure policy) is here.")
        return
    key = ("public-site", area, quarter.label, signed.get("signed_off_at"))
    if st.session_state.get("public-site", (None,))[0] != key:
        try:
            files = build(engine(), area, quarter, person)
        except NotPublishable as refusal:
            st.error(f"The public site cannot be built: {refusal}.")
            return
        name = site_name(area, quarter)
        st.session_state["public-site"] = (key, zip_site(files, name), f"{name}.zip")
    _, data, file_name = st.session_state["public-site"]
    st.download_button(
        "Public site (zip)",
        data,
        file_name=file_name,
        mime="application/zip",
        on_click=record_publication,
        args=(engine(), area, quarter, person),
        icon=":material/public:",
    )
    st.caption(
        "Pages, charts and the figures as CSV for the partnership's website, from the signed-off quarter: every "
        "figure under the disclosure policy, no officers' names. It opens from a folder, with no internet needed."
    )


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
