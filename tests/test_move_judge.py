"""The model judge of moves, with a scripted model: validated JSON, one retry, never a guess."""

from coach.config import ModelSettings
from coach.critique import Context
from coach.critique.engine import run
from coach.critique.transcript import parse_plain

CALL = (
    "Dana: Thanks, but I'm going to say no to this.\n"
    "Maya: Totally fine. By the way, what are you doing this weekend?\n"
    "Dana: Not much."
)


def test_the_judge_overrules_an_unsure_reading(fake):
    """A small-talk line after a no, which the reader takes for a push: a capable model reads
    it as accepting the no, and the critique follows it."""
    fake.queue('{"moves": ["accepted_no", "open_question"]}')
    settings = ModelSettings("fake/judge")
    judged = run(
        parse_plain(CALL, "Maya"), Context(), settings=settings, use_model=False, judge_moves=True
    )
    assert "pushed_after_no" not in {f.kind for f in judged.flags}
    assert ("respected_no", 2) in {(s.kind, s.turn) for s in judged.strengths}
    assert len(fake.prompts) == 1
    assert "THE LINE TO LABEL" in fake.prompts[0][-1]["content"]


def test_combining_lets_either_side_carry_what_the_other_is_unsure_of():
    from coach.reading import Context as Said
    from coach.reading import Reading
    from coach.reading.judge import TurnVerdict, combine
    from coach.reading.vocabulary import USER_MOVES

    thresholds = dict.fromkeys(USER_MOVES, 0.4)
    scores = dict.fromkeys(USER_MOVES, 0.0)
    scores.update(pitch=0.2, claim=0.95, referral=0.05)
    reading = Reading("x", "user", scores, thresholds, Said(said_no=False))
    both = combine(reading, TurnVerdict(moves=["pitch", "referral", "pushed_after_no"]))
    assert both.has("pitch")  # the reader was unsure, the model is sure
    assert not both.has("referral")  # the reader was all but sure it is not
    assert both.has("claim")  # the model missed it, the reader was sure
    assert not both.has("pushed_after_no")  # no no was said


def test_an_unreadable_verdict_is_asked_once_more_then_dropped(fake):
    fake.queue("no json here", '{"moves": ["not_a_move"]}')
    settings = ModelSettings("fake/judge")
    judged = run(
        parse_plain(CALL, "Maya"), Context(), settings=settings, use_model=False, judge_moves=True
    )
    plain = run(parse_plain(CALL, "Maya"), Context(), use_model=False)
    assert len(fake.prompts) == 2
    assert [(f.kind, f.turn) for f in judged.flags] == [(f.kind, f.turn) for f in plain.flags]


def test_a_push_needs_a_no_even_for_the_judge(fake):
    fake.queue('{"moves": ["pushed_after_no"]}')
    call = "Dana: Hello.\nMaya: What would you say to a free month?\nDana: Maybe."
    judged = run(
        parse_plain(call, "Maya"),
        Context(),
        settings=ModelSettings("fake/judge"),
        use_model=False,
        judge_moves=True,
    )
    assert "pushed_after_no" not in {f.kind for f in judged.flags}


def test_the_judge_is_off_for_the_built_in_model():
    from coach.reading.judge import enabled

    assert not enabled(ModelSettings("local/qwen2.5-1.5b-instruct"))
    assert enabled(ModelSettings("openai/gpt-4o-mini"))
