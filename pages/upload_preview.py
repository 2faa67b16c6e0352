"""The upload page's preview of one checked file: its problems, or the figures and statuses storing
it would change; and the files dropped, one per name."""

import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.changes import counts_words, judged_words, revised_table, status_table
from cspdash.safe_text import plain_markdown
from data_loaders.ingest import UploadCheck, areas_previewed
from data_loaders.kinds import load_kinds
from pages.shared import route_through_app, show_problems


def newest_by_name(files: list) -> tuple[list, list[str]]:
    """The files dropped, one per name: a file dropped again under the same name replaces the earlier
    one (the uploader keeps both). Also the names dropped more than once."""
    newest = {upload.name: upload for upload in files}
    replaced = sorted({upload.name for upload in files if newest[upload.name] is not upload})
    return list(newest.values()), replaced


def show_check(check: UploadCheck) -> None:
    """One file's preview: its problems, or what storing it would change."""
    st.subheader(plain_markdown(check.name))
    if check.loaded is None:
        errors = sum(not p.is_warning for p in check.problems)
        st.error(f"Refused: {errors:,} problem(s) to fix before it can be loaded.")
        show_problems(check.problems)
        return
    loaded = check.loaded
    st.markdown(
        f"**{plain_markdown(load_kinds()[loaded.kind].name)}** · {plain_markdown(areas_previewed(loaded))} · "
        f"{loaded.period_start:%-d %b %Y} to {loaded.period_end:%-d %b %Y} · {counts_words(check.changes)}"
    )
    if check.already_loaded:
        st.info("This file is already stored: storing it again changes nothing.")
    if check.problems:
        st.warning("Warnings (these do not stop the file loading):")
        show_problems(check.problems)
    partnership = [a.name for a in load_catalogue().areas]
    revised = revised_table(check.changes, load_catalogue(), partnership)
    if not revised.empty:
        st.markdown(f"**Revised figures (was → now): {len(revised):,}**, the partnership's areas first")
        st.dataframe(revised, hide_index=True)
    show_statuses(check)


def show_statuses(check: UploadCheck) -> None:
    """The statuses that would change, judged on the figures as published, or that none would."""
    checked_in = judged_words(check.judged)
    if check.statuses is not None and not check.statuses.empty:
        st.markdown(f"**Statuses that would change: {len(check.statuses):,}**")
        st.dataframe(status_table(check.statuses), hide_index=True)
        st.caption(f"Checked for {plain_markdown(checked_in)}, on the figures as published.")
    elif checked_in:
        st.caption(f"No status would change (checked for {plain_markdown(checked_in)}, on the figures as published).")
    else:
        st.caption("No status would change: the file has no figures for the partnership's areas.")


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
