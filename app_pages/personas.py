"""Personas: browse the cards, draft one from a document, edit and check a card's YAML."""

from __future__ import annotations

import streamlit as st

from app_pages import resources
from coach.errors import CandorError
from personas import editing, loader
from personas.cards import PersonaCard, ScenarioCard

st.title("Personas")
st.caption(
    "The people you practise with. Each card holds what she knows and hides, how she decides, "
    "and whether your offer truly fits her."
)

try:
    found_personas = loader.personas()
    found_scenarios = loader.scenarios()
except CandorError as exc:
    st.error(f"{exc}\n\nFix or remove the card file named above, then reload the page.")
    st.stop()

_KINDS = {
    "prospect": "Sales: she might buy",
    "interviewer": "Interview: she is hiring you",
    "candidate": "Interview: you are hiring her",
}


def _edit(kind: str, ident: str) -> None:
    """Open a card in the editor tab (its widgets come later in this run)."""
    st.session_state.card_kind = kind
    st.session_state.card_pick = ident
    st.session_state.pop("card_loaded", None)


browse, draft, edit = st.tabs(["Browse", "Draft from a document", "Edit a card"])

with browse:
    show = st.segmented_control("Show", ["All", "Built in", "Your own"], default="All")
    for ident, listed in found_personas.items():
        card = listed.card
        assert isinstance(card, PersonaCard)
        if (show == "Built in" and not listed.builtin) or (show == "Your own" and listed.builtin):
            continue
        origin = "built in" if listed.builtin else "your own"
        with st.expander(f"**{card.name}** · {card.role}"):
            st.caption(f"{_KINDS[card.kind]} · {card.difficulty} · {origin} · `{card.id}`")
            st.markdown(f"*“{card.opening}”*")
            st.write(card.background)
            st.caption(
                f"She keeps {len(card.hidden_facts)} facts to herself until you earn them, and "
                f"may raise {len(card.objections)} concerns. Her card says whether your offer "
                "fits her; the critique tells you after the call."
            )
            left, right = st.columns(2)
            if left.button("Practise with her", key=f"practise-{ident}", icon=":material/call:"):
                st.session_state.practice_pick = ident
                st.session_state.pop("practice", None)
                st.switch_page("app_pages/practice.py")
            if right.button("Open in the editor", key=f"edit-{ident}", icon=":material/edit:"):
                _edit("persona", ident)
                st.info("Opened in the **Edit a card** tab (spoilers: it shows what she hides).")

with draft:
    st.write(
        "Give a product sheet (you sell) or a job description (you are the candidate). A "
        "model invents a realistic person for it, with facts she hides and an honest fit."
    )
    mode = st.radio(
        "What is the document?",
        ["sales", "interview"],
        format_func=lambda m: "A product or service sheet" if m == "sales" else "A job description",
        horizontal=True,
    )
    upload = st.file_uploader("The document", type=["md", "txt", "pdf", "docx"])
    pasted = st.text_area("…or paste it", height=160)
    other = st.text_input(
        "Who is on the other side? (optional)",
        placeholder="a skeptical bakery owner with four staff",
    )
    if st.button("Draft a persona", type="primary", icon=":material/person_add:"):
        from coach.persona_builder import draft as draft_card
        from knowledge.documents import document_from_bytes

        try:
            if upload is not None:
                source = document_from_bytes(upload.getvalue(), upload.name).text
            else:
                source = pasted
            settings = resources.ready_model(st.session_state.model_settings)
            with st.spinner("Drafting her card (a minute on the built-in model)…"):
                drafted = draft_card(source, other, mode, settings)
        except CandorError as exc:
            st.error(f"{exc}\n\nCheck the document, or choose a stronger model in Settings.")
        else:
            st.success(
                f"Drafted {drafted.persona.name} (`{drafted.persona.id}`) for "
                f"'{drafted.scenario.title}'. Read and adjust her card in the **Edit a card** tab."
            )
            found_personas = loader.personas()
            found_scenarios = loader.scenarios()
            _edit("persona", drafted.persona.id)

with edit:
    kind = st.radio("Card", ["persona", "scenario"], horizontal=True, key="card_kind")
    found = found_personas if kind == "persona" else found_scenarios
    ids = sorted(found)
    if st.session_state.get("card_pick") not in ids:
        st.session_state.card_pick = ids[0]
    pick = st.selectbox(
        "Which card",
        ids,
        key="card_pick",
        format_func=lambda i: f"{i} ({'built in' if found[i].builtin else 'your own'})",
    )
    if st.session_state.get("card_loaded") != (kind, pick) or "card_text" not in st.session_state:
        st.session_state.card_loaded = (kind, pick)
        st.session_state.card_text = found[pick].path.read_text(encoding="utf-8")
        st.session_state.card_problems = []
    if found[pick].builtin:
        st.caption("A built-in card. Saving keeps the original and uses your copy instead.")
    text = st.text_area("YAML", key="card_text", height=420)
    model: type[PersonaCard] | type[ScenarioCard] = (
        PersonaCard if kind == "persona" else ScenarioCard
    )
    left, middle, right = st.columns(3)
    if left.button("Check", icon=":material/rule:"):
        st.session_state.card_problems = editing.check(model, text).problems
        st.session_state.card_checked = True
    if middle.button("Save", type="primary", icon=":material/save:"):
        checked = editing.check(model, text)
        st.session_state.card_problems = checked.problems
        if checked.card is not None:
            try:
                saved = editing.save(model, text)
            except CandorError as exc:
                st.error(f"{exc}\n\nNothing was saved. Fix the field named above and save again.")
            else:
                st.session_state.card_flash = f"Saved `{checked.card.id}` to {saved}."
                st.rerun()  # lists it as your own card, with its delete button
    if not found[pick].builtin and right.button("Delete my card", icon=":material/delete:"):
        try:
            editing.delete(model, pick)
        except CandorError as exc:
            st.error(str(exc))
        else:
            st.session_state.pop("card_loaded", None)
            st.session_state.pop("card_pick", None)
            st.rerun()
    if flash := st.session_state.pop("card_flash", None):
        st.success(flash)
    problems: list[editing.Problem] = st.session_state.get("card_problems", [])
    if problems:
        st.error(
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in this card; each is "
            "shown under its line below. Nothing was saved."
        )
        for problem in problems:
            st.markdown(f"- {problem}")
        st.code(editing.annotate(text, problems), language="yaml")
    elif st.session_state.pop("card_checked", False):
        st.success("The card is valid.")
