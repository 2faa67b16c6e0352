"""Forms that change a record: each belongs to exactly the record the person saw, and checks it again
at the click, so a change made by someone else in between never turns a click into the wrong change."""

import hashlib

import pandas as pd
import streamlit as st

from cspdash.safe_text import plain_markdown
from cspdash.store import records
from pages.shared import engine, refresh, require, route_through_app

FIELDS = ("title", "owner", "due_date", "status", "start_date")


def editor_key(table) -> str:
    """The editor belongs to the actions as read: if anyone changes them, it starts afresh, so an
    edit is never applied to a row other than the one it was made on."""
    rows = pd.util.hash_pandas_object(table[["id", *FIELDS, "updated_at"]].astype(str), index=False)
    digest = hashlib.sha256(rows.to_numpy().tobytes()).hexdigest()[:16]
    return f"actions_editor-{digest}"


def unsaved_edits_set_aside(key: str) -> bool:
    previous = st.session_state.get("actions_editor_key")
    st.session_state["actions_editor_key"] = key
    edits = st.session_state.get(previous, {}) if previous and previous != key else {}
    return bool(edits.get("edited_rows"))


def save_actions(table, edited, actor: str) -> None:
    """Save each edited action, if nobody changed it since it was shown; say which were not saved."""
    problems, saved = [], 0
    for before, after in zip(table.itertuples(), edited.itertuples(), strict=True):
        changes = {f: getattr(after, f) for f in FIELDS if records.differs(getattr(before, f), getattr(after, f))}
        if not changes:
            continue
        seen = {f: getattr(before, f) for f in FIELDS}
        try:
            records.update_action(engine(), int(before.id), actor, seen=seen, **changes)
            saved += 1
        except records.RecordError as error:
            problems.append(str(error))
    refresh()
    for problem in problems:
        st.error(plain_markdown(problem))
    if saved:
        st.success(f"{saved} action(s) saved.")


def describe(row) -> str:
    return f"{row.id}: {row.file} ({row.kind}, loaded {pd.Timestamp(row.submitted_at):%-d %b %Y %H:%M} by {row.submitted_by})"


def withdrawal_form(table: pd.DataFrame, actor: str) -> None:
    """Choose an active submission, then confirm in a form that belongs to that submission (and that
    file): a click acts on exactly what was shown, and is refused, with the reason, if it changed."""
    chosen_before = st.session_state.get("withdraw_choice")
    offered = table[(table["status"] == "active") | (table["id"] == chosen_before)]
    if offered.empty:
        st.info("Every submission is already withdrawn: there is nothing to withdraw.")
        return
    labels = {int(row.id): describe(row) for row in offered.itertuples()}
    chosen = st.selectbox(
        "Submission", list(labels), index=None, format_func=labels.get, placeholder="Choose one", key="withdraw_choice"
    )
    if chosen is None:
        return
    row = offered.set_index("id").loc[chosen]
    with st.form(f"withdraw-{chosen}-{row['sha256']}"):
        st.markdown(f"Withdraw **submission {chosen}**: {plain_markdown(row['file'])}?")
        reason = st.text_input("Why", key=f"withdraw-reason-{chosen}")
        if st.form_submit_button(f"Withdraw submission {chosen}"):
            require("withdraw")
            try:
                records.withdraw_submission(engine(), chosen, actor, reason, expected_sha256=row["sha256"])
            except records.RecordError as error:
                st.error(plain_markdown(f"{str(error)[0].upper()}{str(error)[1:]}: nothing was withdrawn."))
                return
            refresh()
            st.session_state["withdrawn"] = f"Submission {chosen} withdrawn."
            del st.session_state["withdraw_choice"]
            st.rerun()


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
