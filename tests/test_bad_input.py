"""Bad input everywhere: blank and oversized messages, and text that must come back exactly."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.chat import ChatSession
from coach.config import ModelSettings
from coach.errors import InputError
from coach.practice import MAX_MESSAGE_CHARS, PracticeSession
from coach.store import Store
from personas import editing, loader
from personas.cards import PersonaCard, ScenarioCard

FAKE = ModelSettings("fake/scripted")
EXACT = [
    "שלום, I'd like to ask about the ‏price‎ first 🙂",  # Hebrew with RLM/LRM marks
    "Mixed עברית and English, then 123 שקל, then back",
    "tab\there, bell\x07, escape \x1b[31mred\x1b[0m, vertical\x0btab",
    "override \u202edesrever\u202c and zero\u200bwidth\u200djoiner",
    "emoji 👨‍👩‍👧 👍🏽 🏳️‍🌈 and combining e\u0301 vs é",
    "markdown that must stay text: *stars* _under_ [link](x) <b>b</b> $x$ # hash\n- dash",
    "line one\nline two\r\nline three",
]
BLANK = ["", " ", "\n\t  \n", "\u3000"]
SIZES = (MAX_MESSAGE_CHARS + 1, 100_000)


@pytest.fixture
def dana():
    persona = loader.persona("dana-bakery-owner")
    return persona, loader.scenario_for(persona)


@pytest.mark.parametrize("text", BLANK)
def test_blank_messages_are_refused_before_anything_is_stored(fake, dana, text):
    session = PracticeSession.start(Store(), *dana, FAKE)
    with pytest.raises(InputError, match="empty"):
        session.send(text)
    chat = ChatSession.start(Store(), FAKE)
    with pytest.raises(InputError, match="empty"):
        chat.send(text)
    assert [t.role for t in Store().turns_of(session.record.id)] == ["assistant"]
    assert Store().turns_of(chat.record.id) == []


@pytest.mark.parametrize("size", SIZES)
def test_oversized_messages_are_refused_with_the_limit(fake, dana, size):
    session = PracticeSession.start(Store(), *dana, FAKE)
    with pytest.raises(InputError, match=f"{size:,} characters long; the limit is 4,000"):
        session.send("x" * size)
    assert len(Store().turns_of(session.record.id)) == 1
    assert not fake.prompts[1:]  # the model was never asked


@pytest.mark.parametrize("text", EXACT)
def test_text_is_stored_exactly(fake, dana, text):
    fake.default = text  # her reply carries the same characters back
    chat = ChatSession.start(Store(), FAKE)
    "".join(chat.send(text))
    stored = [t.text for t in Store().turns_of(chat.record.id)]
    assert stored == [text.strip(), text]
    session = PracticeSession.start(Store(), *dana, FAKE)
    "".join(session.send(text))
    assert Store().turns_of(session.record.id)[1].text == text.strip()


def test_nul_is_the_one_character_dropped(fake):
    chat = ChatSession.start(Store(), FAKE)
    "".join(chat.send("before\x00after"))
    assert Store().turns_of(chat.record.id)[0].text == "beforeafter"


def test_the_practice_page_ignores_blank_and_refuses_oversized_messages(open_page):
    at = open_page("practice")
    next(b for b in at.button if b.label == "Start the call").click().run()
    (session,) = Store().list_sessions()
    at.chat_input[0].set_value("   ").run()
    assert not at.exception and not at.warning
    at.chat_input[0].set_value("y" * 100_000).run()
    assert not at.exception
    assert "100,000 characters long; the limit is 4,000" in at.warning[0].value
    assert "Nothing was sent" in at.warning[0].value
    assert len(Store().turns_of(session.id)) == 1
    at.chat_input[0].set_value(EXACT[0]).run()
    assert not at.exception
    shown = [m.markdown[0].value for m in at.chat_message]
    from app_pages.critique_view import escape

    assert escape(EXACT[0]) in shown
    assert Store().turns_of(session.id)[1].text == EXACT[0]


# The card loader, fuzzed: any text or any mangled card gives a card or a clear InputError.

DANA_TEXT = (loader.BUILTIN_DIR / "cards" / "dana-bakery-owner.yaml").read_text(encoding="utf-8")
SCENARIO_TEXT = (loader.BUILTIN_DIR / "scenarios" / "bookkeeping-for-a-bakery.yaml").read_text(
    encoding="utf-8"
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def only_input_errors(model, text: str) -> None:
    try:
        loader.parse_card(model, text, "fuzzed.yaml")
    except InputError as exc:
        assert str(exc).startswith("fuzzed.yaml: ")
    checked = editing.check(model, text)  # never raises
    assert (checked.card is None) == bool(checked.problems)


@FUZZ
@given(text=st.text(max_size=400))
def test_fuzz_any_text_as_a_card(text):
    only_input_errors(PersonaCard, text)
    only_input_errors(ScenarioCard, text)


@FUZZ
@given(
    cut=st.integers(0, len(DANA_TEXT)),
    insert=st.text(st.sampled_from(":-[]{}'\"\n\t #&*!|>%@`"), max_size=6),
)
def test_fuzz_a_cut_or_corrupted_card(cut, insert):
    only_input_errors(PersonaCard, DANA_TEXT[:cut] + insert + DANA_TEXT[cut:])
    only_input_errors(ScenarioCard, SCENARIO_TEXT[: cut % len(SCENARIO_TEXT)] + insert)


@FUZZ
@given(field=st.sampled_from(sorted(PersonaCard.model_fields)), value=values)
def test_fuzz_a_field_with_any_value(field, value):
    import yaml

    data = yaml.safe_load(DANA_TEXT)
    data[field] = value
    only_input_errors(PersonaCard, yaml.safe_dump(data, allow_unicode=True))
