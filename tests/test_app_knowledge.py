"""The knowledge page, driven headless with AppTest: principles, uploads, what is indexed."""

import pytest

import knowledge


@pytest.fixture
def page(open_page):
    return open_page("knowledge")


def test_the_six_principles_with_their_hebrew_titles(page):
    assert not page.exception
    labels = [e.label for e in page.expander]
    assert len(labels) == 6
    for principle, label in zip(knowledge.principles(), labels, strict=True):
        assert principle.title.en in label and principle.title.he in label


def test_an_upload_is_indexed_and_listed(page):
    page.file_uploader[0].set_value(
        [
            ("prices.md", b"# Prices\n\nMonthly bookkeeping costs 300 dollars.\n", "text/markdown"),
            ("terms.txt", b"Cancel any month with 30 days notice.\n", "text/plain"),
        ]
    ).run()
    next(b for b in page.button if b.label == "Add to the knowledge base").click().run()
    assert not page.exception
    assert [s.value.split(":")[0] for s in page.success] == ["prices.md", "terms.txt"]
    table = page.dataframe[0].value
    mine = table[table["collection"] == knowledge.DEFAULT_COLLECTION].iloc[0]
    assert mine["documents"] == 2 and "prices.md" in mine["sources"]
    page.text_input[1].set_value("how much does bookkeeping cost").run()
    assert not page.exception
    assert any("300 dollars" in m.value for m in page.markdown)


def test_a_bad_file_refuses_the_batch_and_names_it(page):
    page.file_uploader[0].set_value(
        [
            ("good.md", b"# Fine\n\nA good document.\n", "text/markdown"),
            ("broken.pdf", b"%PDF-1.4 not really a pdf", "application/pdf"),
        ]
    ).run()
    next(b for b in page.button if b.label == "Add to the knowledge base").click().run()
    assert not page.exception
    assert "broken.pdf" in page.error[0].value
    assert "Nothing from this batch was added" in page.error[0].value
    names = [c.name for c in knowledge.collections()]
    assert knowledge.DEFAULT_COLLECTION not in names
