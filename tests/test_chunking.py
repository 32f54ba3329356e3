"""Token-bounded chunks with overlap that keep their headings."""

import pytest

from coach import tokens
from knowledge.chunking import chunk_text

DOC = (
    "# Bookkeeping for bakeries\n\nWe close your books every month.\n\n"
    "## Pricing\n\n"
    + "The monthly plan costs 300 dollars and covers up to 200 receipts. "
    * 40
    + "\n\nAnnual plans get one month free.\n\n"
    "## Limits\n\nWe do not do payroll. We do not file sales tax in Oregon.\n"
)


def test_every_chunk_fits_and_carries_its_heading():
    chunks = chunk_text(DOC, max_tokens=120, overlap=20)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert tokens.count(chunk.text) <= 122  # decode/re-encode may shift a token at the edge
        assert chunk.text.startswith(chunk.heading)
    headings = [c.heading for c in chunks]
    assert headings[0] == "Bookkeeping for bakeries"
    assert "Bookkeeping for bakeries > Pricing" in headings
    assert headings[-1] == "Bookkeeping for bakeries > Limits"
    assert "We do not do payroll" in chunks[-1].text


def test_consecutive_chunks_of_a_long_section_overlap():
    chunks = [
        c for c in chunk_text(DOC, max_tokens=120, overlap=20) if c.heading.endswith("Pricing")
    ]
    assert len(chunks) >= 3
    for first, second in zip(chunks, chunks[1:], strict=False):
        tail = first.text[-40:]
        body = second.text.split("\n", 1)[1]
        assert tail[-25:] in body[:200]


def test_all_text_survives_chunking():
    joined = " ".join(c.text for c in chunk_text(DOC, max_tokens=120, overlap=20))
    for sentence in [
        "We close your books every month.",
        "Annual plans get one month free.",
        "We do not file sales tax in Oregon.",
    ]:
        assert sentence in joined


def test_plain_text_without_headings_and_fenced_hashes():
    text = "first paragraph\n\n```\n# not a heading\n```\n\nlast paragraph"
    (chunk,) = chunk_text(text)
    assert chunk.heading == ""
    assert "# not a heading" in chunk.text


def test_overlap_must_be_smaller_than_half_the_chunk():
    with pytest.raises(ValueError):
        chunk_text("x", max_tokens=50, overlap=30)
