"""The review page, driven headless with AppTest: paste a call, pick yourself, critique it."""

import pytest

from coach.store import Store
from personas import loader

CALL = """Maya: Hi Dana, what made you reach out?
Dana: Our books are a mess and I need someone to run payroll for my staff.
Maya: I can help with the books. This price ends today, so sign now.
Dana: I'm worried about rushing this.
Maya: Don't worry about that, everyone says that."""


@pytest.fixture
def review(open_page):
    return open_page("review")


def test_paste_pick_me_and_critique(review):
    assert not review.exception
    assert review.info[0].value.startswith("Upload or paste")
    review.text_area[0].set_value(CALL).run()
    assert review.selectbox[0].options == ["Maya", "Dana"]
    review.selectbox[0].set_value("Maya").run()
    next(b for b in review.button if b.label == "Critique this call").click().run()
    assert not review.exception
    assert any(s.value == "Your critique" for s in review.subheader)
    shown = " ".join(m.value for m in review.markdown)
    assert "pressure" in shown and "dismissed concern" in shown
    # Each finding links to its turn, and the transcript marks the quote inline.
    assert "[Turn 3](#review-turn-3)" in shown
    turn3 = next(m.value for m in review.markdown if 'id="review-turn-3"' in m.value)
    assert ":orange-background[" in turn3 and "sign now" in turn3
    assert any(s.kind == "review" for s in Store().list_sessions())


def test_unlabelled_turns_wait_for_the_user(review):
    review.text_area[0].set_value(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n\n"
        "00:00:03.000 --> 00:00:04.000\nHi, I need help.\n"
    ).run()
    assert not review.exception
    assert "2 of 2 turns have no speaker label" in review.warning[0].value
    assert not review.selectbox  # nobody is attributed until the user asks
    review.checkbox[0].check().run()
    assert review.selectbox[0].options == ["Speaker 1", "Speaker 2"]
    review.text_input[0].set_value("Maya").run()
    review.text_input[1].set_value("Dana").run()
    assert not review.exception
    assert review.selectbox[0].options == ["Maya", "Dana"]
    review.text_input[1].set_value("Maya").run()
    assert "two different names" in review.error[0].value


def test_bad_input_is_an_error_not_a_traceback(review):
    review.text_area[0].set_value("just some words with no structure").run()
    assert not review.exception
    assert (
        "unrecognised" in review.error[0].value.lower()
        or "expected" in review.error[0].value.lower()
    )


def test_practise_this_call_again_from_the_page(review):
    review.text_area[0].set_value(CALL).run()
    review.selectbox[0].set_value("Maya").run()
    next(b for b in review.button if "Practise" in b.label).click().run()
    assert not review.exception
    assert "dana-replay" in review.success[0].value
    assert not loader.personas()["dana-replay"].builtin


def test_transcript_text_is_shown_as_written_not_as_markdown():
    import re

    from app_pages.critique_view import escape

    raw = "Price: $5 *today* [link](x) <b>bold</b> # not a heading\u200f שלום 🙂"
    shown = escape(raw)
    assert "\\*today\\*" in shown and "\\<b\\>" in shown and "\\$5" in shown
    assert re.sub(r"\\(.)", r"\1", shown) == raw
