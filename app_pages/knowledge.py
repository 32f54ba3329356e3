"""Knowledge: read the six principles, add your own documents, and see what is indexed."""

from __future__ import annotations

import html

import streamlit as st

import knowledge
from app_pages import resources
from coach.errors import CandorError
from knowledge.documents import document_from_bytes

st.title("Knowledge")
st.caption(
    "The principles the critique cites, and your own documents (product sheets, price lists, "
    "job descriptions) that practice calls and searches can draw on."
)

read, add, indexed = st.tabs(["The six principles", "Add your documents", "What is indexed"])

with read:
    for principle in knowledge.principles():
        with st.expander(f"**{principle.id} · {principle.title.en}**  ·  {principle.title.he}"):
            st.markdown(f"*{principle.summary.en}*")
            st.markdown(
                f'<div dir="rtl" lang="he" style="opacity: 0.7">{html.escape(principle.summary.he)}'
                "</div>",
                unsafe_allow_html=True,
            )
            st.markdown(principle.body.replace("## ", "##### "))
            st.markdown("##### In practice")
            for practice in principle.practices:
                st.markdown(f"**{practice.name}** `{practice.id}`")
                st.markdown(practice.looks_like)
                st.markdown(f"- Honest: “{practice.good}”\n- Not this: “{practice.bad}”")

with add:
    uploads = st.file_uploader(
        "Documents (.md, .txt, .pdf, .docx; up to 20 MB each)",
        type=["md", "txt", "pdf", "docx"],
        accept_multiple_files=True,
    )
    collection = st.text_input("Collection", value=knowledge.DEFAULT_COLLECTION)
    if st.button("Add to the knowledge base", type="primary", icon=":material/upload:"):
        if not uploads:
            st.warning("Choose one or more files first.")
        else:
            bar = st.progress(0.0, text="Reading the files…")
            try:
                # Every file is read before any is indexed: a bad one refuses the whole batch
                # and leaves the index as it was.
                documents = []
                for upload in uploads:
                    documents.append(document_from_bytes(upload.getvalue(), upload.name))
                resources.knowledge_ready()
                reports = []
                for number, document in enumerate(documents):

                    def step(done: int, total: int, source: str, number: int = number) -> None:
                        share = (number + done / max(total, 1)) / len(documents)
                        bar.progress(min(share, 1.0), text=f"Indexing {source}: {done}/{total}")

                    reports.append(knowledge.add_document(document, collection, step))
                bar.progress(1.0, text="Done.")
            except CandorError as exc:
                bar.empty()
                st.error(f"{exc}\n\nNothing from this batch was added. Fix or drop that file.")
            else:
                for report in reports:
                    if report.written:
                        changed = f"{report.written} new or changed"
                    else:
                        changed = "unchanged, nothing to do"
                    st.success(f"{report.source}: {report.chunks} passages ({changed}).")

with indexed:
    try:
        resources.knowledge_ready()
        infos = knowledge.collections()
    except CandorError as exc:
        st.error(f"{exc}\n\nCheck CANDOR_CHROMA_URL, or run `candor knowledge prepare`.")
        st.stop()
    st.dataframe(
        [
            {
                "collection": info.name,
                "passages": info.chunks,
                "documents": len(info.sources),
                "sources": ", ".join(info.sources[:8]) + (" …" if len(info.sources) > 8 else ""),
            }
            for info in infos
        ],
        hide_index=True,
        width="stretch",
    )
    query = st.text_input("Try a search", placeholder="she said the price is too high")
    if query.strip():
        try:
            hits = knowledge.search(query, k=5)
        except CandorError as exc:
            st.error(str(exc))
        else:
            for hit in hits:
                with st.container(border=True):
                    st.caption(f"{hit.collection} · {hit.source} · score {hit.score:.2f}")
                    st.markdown(hit.text)
