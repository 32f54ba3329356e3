"""Retrieval speed: index 1,000 chunks of real text, then time searches.

Run: ``make bench`` (or ``.venv/bin/python bench/retrieval.py``). Uses a private temporary
CANDOR_HOME, so your own index is untouched.

The text is real third-party conversation from ``../shared/data`` (a podcast transcript and
campsite negotiations), chunked as user documents are. Prints a table and ends with one JSON
line with ``query_p50_ms``, ``query_p95_ms`` and ``index_chunks_per_s`` (targets: p50 <= 10 ms,
more than 150 chunks/s on 2 cores).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
N_CHUNKS = 1000
N_QUERIES = 200


def corpus() -> list[tuple[str, str]]:
    """``(name, text)`` documents of real conversation."""
    docs = []
    otter = DATA / "transcripts" / "python_bytes_310_otter_export_c1513c0.txt"
    if otter.exists():
        docs.append((otter.name, otter.read_text(encoding="utf-8")))
    casino = DATA / "dialogues" / "casino_annotated_150.jsonl"
    for vtt in sorted((DATA / "transcripts").glob("*.vtt")):
        docs.append((vtt.name, vtt.read_text(encoding="utf-8-sig")))
    if casino.exists():
        for line in casino.read_text(encoding="utf-8").splitlines():
            dialogue = json.loads(line)
            text = "\n\n".join(f"{t['speaker']}: {t['text']}" for t in dialogue["turns"])
            docs.append(
                (f"casino-{dialogue['id']}.txt", f"# Negotiation {dialogue['id']}\n\n{text}")
            )
    if not docs:
        sys.exit(f"No benchmark text: {DATA} is missing.")
    return docs


def main() -> None:
    home = tempfile.mkdtemp(prefix="candor-bench-")
    os.environ["CANDOR_HOME"] = home
    os.environ.pop("CANDOR_CHROMA_URL", None)

    import knowledge as kb
    from knowledge import embedding
    from knowledge.chunking import chunk_text
    from knowledge.documents import Document

    t0 = time.perf_counter()
    embedding.prepare()
    embedding.embed(["warm up"])
    prep_s = time.perf_counter() - t0

    documents, total = [], 0
    for name, text in corpus():  # whole documents until at least N_CHUNKS chunks
        documents.append(Document(name, text))
        total += len(chunk_text(text))
        if total >= N_CHUNKS:
            break

    t0 = time.perf_counter()
    indexed = sum(kb.add_document(d, collection="bench").chunks for d in documents)
    index_s = time.perf_counter() - t0

    kb.ensure_principles()
    # real utterances as queries: lines of the indexed text with at least six words
    lines = [ln.split(": ", 1)[-1].strip() for d in documents for ln in d.text.splitlines()]
    questions = [ln[:300] for ln in lines if len(ln.split()) >= 6][::7][:N_QUERIES]
    for q in questions[:5]:
        kb.search(q, k=5, collections=["bench"])
    times = []
    for q in questions:
        t = time.perf_counter()
        kb.search(q, k=5, collections=["bench"])
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]

    print(f"{'measure':<34} {'value':>10}")
    print(f"{'embedding model ready (s)':<34} {prep_s:>10.2f}")
    print(f"{'documents indexed':<34} {len(documents):>10}")
    print(f"{'chunks indexed':<34} {indexed:>10}")
    print(f"{'indexing time (s)':<34} {index_s:>10.2f}")
    print(f"{'indexing throughput (chunks/s)':<34} {indexed / index_s:>10.1f}")
    print(f"{'search p50 (ms), k=5, 1000 chunks':<34} {p50:>10.2f}")
    print(f"{'search p95 (ms)':<34} {p95:>10.2f}")
    print(
        json.dumps(
            {
                "chunks": indexed,
                "index_s": round(index_s, 2),
                "index_chunks_per_s": round(indexed / index_s, 1),
                "query_p50_ms": round(p50, 2),
                "query_p95_ms": round(p95, 2),
                "queries": len(times),
            }
        )
    )


if __name__ == "__main__":
    main()
