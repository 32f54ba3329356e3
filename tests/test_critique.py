"""The critique: flags with verbatim evidence, no false alarms on honest calls, and its CLI."""

import json

import pytest
from click.testing import CliRunner

from coach.cli import cli
from coach.critique import Context, critique, markdown
from coach.critique.engine import run
from coach.critique.transcript import parse_plain
from coach.errors import InputError
from coach.store import Store
from tests.eval.harness import SHARED, casino, evaluate

# Floors a little under the measured held-out scores (README, "Evaluation"); the issue's
# targets (F1 0.85, stance 0.9) are not reached yet.
FLAG_F1_FLOOR = 0.50
STANCE_FLOOR = 0.65

FACTS = """# Clear Ledger bookkeeping
## Price
280 dollars a month for up to 300 transactions.
## Limitations
- No payroll
- Remote only, no on-site visits
"""

PUSHY = """Maya: Hi Lena, thanks for taking the call. What made you reach out?
Lena: My books are a mess. I also need someone to handle payroll for my two staff.
Maya: We guarantee your books will be perfect within a week, and it's only 250 dollars a month.
Lena: I'm worried about handing over my numbers to a stranger.
Maya: Don't worry about that, everyone says that.
Lena: No thanks, I think I'll pass for now.
Maya: Are you sure? This price ends today, so you should sign now.
Lena: No."""

HONEST = """Maya: Hi Lena, thanks for taking the call. What made you reach out?
Lena: My books are a mess, and I need someone to handle payroll for my two staff.
Maya: How do you keep track of things today?
Lena: A shoebox of receipts, mostly.
Maya: I can sort the books for 280 dollars a month. To be upfront, I don't do payroll, so you'd still need a payroll service for your staff.
Lena: Hm. I'm worried that means two people to deal with.
Maya: That's a fair worry. Many of my clients use a separate payroll provider; I can recommend one I work well with, and you can decide.
Lena: Thanks. I'll think about it.
Maya: Of course, take your time. I'll send you a short summary."""


def report(text, me="Maya", **context):
    return run(parse_plain(text, me), Context(facts=FACTS, **context), use_model=False)


def test_each_kind_of_problem_is_flagged_with_evidence():
    r = report(PUSHY)
    flags = {(f.kind, f.turn) for f in r.flags}
    assert ("undisclosed_limitation", 2) in flags
    assert ("overclaim", 3) in flags
    assert ("dismissed_concern", 5) in flags
    assert ("pressure", 7) in flags and ("pushed_after_no", 7) in flags
    lines = PUSHY.splitlines()
    for f in r.flags:
        assert f.quote in lines[f.turn - 1]  # verbatim, from the right turn
        assert f.principle.startswith("P") and "." in f.principle
        assert f.suggestion.startswith("Try something like")
    kinds = {f.kind: f.principle for f in r.flags}
    assert kinds["undisclosed_limitation"] == "P1.disclose-limits"
    assert kinds["pushed_after_no"] == "P5.respect-no"


def test_an_honest_call_gets_no_flags_and_credit():
    r = report(HONEST)
    assert r.flags == []
    assert {s.kind for s in r.strengths} >= {"disclosed_limitation", "asked_before_pitch"}
    dims = {d.id: d for d in r.dimensions}
    assert dims["disclosure"].score == 1.0 and dims["autonomy"].score == 1.0
    assert r.fit.user_stance in {"undecided", "referred"}


def test_thin_evidence_gives_null_scores_with_reasons():
    r = run(parse_plain("Maya: Hello.\nLena: Hi.", "Maya"), Context(), use_model=False)
    dims = {d.id: d for d in r.dimensions}
    for dim in ("honesty", "disclosure", "autonomy", "discovery", "fit"):
        assert dims[dim].score is None and dims[dim].reason
    assert r.fit.verdict is None and r.fit.correct is None


def test_stance_is_read_from_the_end_of_the_call():
    walk = HONEST + (
        "\nLena: Could you do payroll anyway?\nMaya: I'm not the right fit for "
        "that, honestly. I'd recommend talking to a payroll service."
    )
    assert report(walk).fit.user_stance == "referred"
    push = HONEST + "\nLena: Maybe.\nMaya: Great, shall we get started on Monday?"
    assert report(push).fit.user_stance == "recommended"


def test_a_known_true_fit_judges_the_stance():
    r = report(PUSHY, verdict="no_fit")
    assert r.fit.verdict == "no_fit" and r.fit.correct is False


def test_personal_code_discount_rule():
    text = (
        "Maya: What's your budget?\nLena: Tight.\nMaya: I can knock 25% off the monthly fee "
        "for you.\nLena: Okay."
    )
    r = report(
        text,
        personal_code=[
            "I don't discount more than 10%",
            "I don't sell to anyone who can't afford it",
        ],
    )
    assert ("code_breach", 3) in {(f.kind, f.turn) for f in r.flags}
    dim = {d.id: d for d in r.dimensions}["personal_code"]
    assert dim.score == 0.0  # the one rule that can be checked was broken
    assert "not enough evidence to check: I don't sell to anyone" in dim.reason
    only_vague = report(text, personal_code=["I don't sell to anyone who can't afford it"])
    assert {d.id: d.score for d in only_vague.dimensions}["personal_code"] is None


def test_transcript_errors_name_the_line_and_the_speaker(tmp_path):
    with pytest.raises(InputError, match="line 2: expected 'Name: text'"):
        parse_plain("Maya: hi\nno colon here", "Maya")
    with pytest.raises(InputError, match="no speaker 'Dana'"):
        parse_plain("Maya: hi\nLena: hello", "Dana")


def test_review_cli_json_and_markdown_and_storage(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text(PUSHY)
    facts = tmp_path / "facts.md"
    facts.write_text(FACTS)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "review",
            str(path),
            "--me",
            "Maya",
            "--facts",
            str(facts),
            "--format",
            "json",
            "--no-model",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"transcript", "flags", "fit", "dimensions", "summary"}
    assert data["transcript"]["turns"][0] == {"speaker": "Maya", "text": PUSHY.splitlines()[0][6:]}
    assert {"kind", "turn", "quote", "principle", "suggestion"} <= set(data["flags"][0])
    assert set(data["fit"]) >= {"user_stance", "verdict", "correct"}
    (session,) = Store().list_sessions()
    assert session.kind == "review" and Store().latest_report(session.id)["flags"]
    again = runner.invoke(
        cli,
        ["review", "--session", session.id, "--me", "Maya", "--no-model"],
        catch_exceptions=False,
    )
    assert again.exit_code == 0 and "# Critique for Maya" in again.output
    bad = runner.invoke(cli, ["review", str(path)])
    assert bad.exit_code == 2 and "--me" in bad.output


def test_markdown_export_lists_findings_and_scorecard():
    text = markdown(report(PUSHY))
    assert "## Scorecard" in text and "not enough evidence" not in text.split("## To work")[1]
    assert "Turn 7, pushed after no" in text


def test_the_critique_runs_after_a_practice_call(fake):
    from pathlib import Path

    from coach.config import ModelSettings
    from coach.practice import PracticeSession
    from personas.cards import PersonaCard, ScenarioCard
    from personas.loader import load_card

    cards = Path(__file__).parent / "data" / "cards"
    persona = load_card(PersonaCard, cards / "omar-union-plant.yaml")
    scenario = load_card(ScenarioCard, cards / "bookkeeping-for-shops.yaml")
    session = PracticeSession.start(Store(), persona, scenario, ModelSettings("fake/x"))
    "".join(session.send("What do you require from vendors under the union agreement?"))
    "".join(session.send("This price ends today, so sign now."))
    session.end()
    assert session.report is not None
    assert session.report.fit.verdict == "no_fit"
    assert ("pressure", 4) in {(f.kind, f.turn) for f in session.report.flags}
    assert session.report.stats["facts_hidden"] == 3
    assert Store().latest_report(session.record.id) is not None


def test_evaluation_floor_on_the_test_split():
    """The held-out transcripts (never used to tune the critique) run in make test, so
    regressions fail CI; the full table is in make eval."""
    score = evaluate(use_model=False)
    assert score.cases >= 40
    assert score.verbatim_share == 1.0
    assert score.prf()[2] >= FLAG_F1_FLOOR, score.misses
    assert score.stance_accuracy >= STANCE_FLOOR, score.misses


def test_one_honest_line_gets_one_verdict():
    """A disclosed limit is credited, never also flagged as an overclaim."""
    facts = (
        "# Ruth Cole, project manager\n## Experience\n- Eight years running builds.\n"
        "## Limitations\n- Can travel at most one week in four.\n"
    )
    call = (
        "Omar: The role has a lot of site visits. How much can you travel?\n"
        "Ruth: I should be clear that I can manage one week away a month, no more, because "
        "of my children.\n"
        "Omar: Thanks, that helps."
    )
    r = run(parse_plain(call, "Ruth"), Context(facts=facts), use_model=False)
    assert [f.kind for f in r.flags if f.turn == 2] == []
    assert [s.turn for s in r.strengths if s.kind == "disclosed_limitation"] == [2]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not present")
def test_real_negotiations_do_not_crash_the_critique():
    result = casino(limit=20)
    assert result["dialogues"] == 20 and result["other_utterances"] > 100


def test_the_claim_judge_reads_json_retries_once_and_never_guesses(fake):
    from coach.config import ModelSettings
    from coach.critique.analyze import CallReading
    from coach.critique.judge import contradicted_claims

    t = parse_plain(
        "Lena: When would it be ready?\nMaya: You'll have it all back within two "
        "days, I promise.\nLena: Great.\nMaya: I have done this for ten years.",
        "Maya",
    )
    settings = ModelSettings("fake/judge")
    fake.queue(
        "not json at all",
        '{"verdict": "contradicted", "reason": "facts say 8 weeks"}',
        "garbage",
        "still garbage",
    )
    found = contradicted_claims(CallReading.of(t), "Delivery within 8 weeks.", set(), settings)
    assert [(o.turn, o.kind) for o in found] == [(2, "overclaim")]
    assert "8 weeks" in found[0].why
    assert len(fake.prompts) == 4  # one retry per claim, the unreadable second one dropped


def test_review_can_ask_the_model_to_judge_claims(fake, tmp_path):
    path = tmp_path / "call.txt"
    path.write_text("Lena: When?\nMaya: We deliver everything within two days, always.\n")
    facts = tmp_path / "facts.md"
    facts.write_text("# Offer\n\nDelivery within 8 weeks.\n")
    fake.default = '{"verdict": "contradicted", "reason": "8 weeks"}'
    result = CliRunner().invoke(
        cli,
        [
            "review",
            str(path),
            "--me",
            "Maya",
            "--facts",
            str(facts),
            "--judge-claims",
            "--model",
            "fake/x",
            "--format",
            "json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    flags = json.loads(result.output)["flags"]
    assert any(f["kind"] == "overclaim" and f["turn"] == 2 for f in flags)


def test_a_limitation_disclosed_before_she_asks_is_a_strength():
    from personas import loader

    offer = loader.scenario("bookkeeping-for-a-bakery").offer
    facts = offer.facts + "\n\n## Limitations\n\n" + "".join(f"- {x}\n" for x in offer.limitations)
    call = (
        "Dana: Hi, this is Dana.\n"
        "You: Which part of the admin takes up most of your week?\n"
        "Dana: Honestly, the worst bit is payroll. Eleven people every two weeks.\n"
        "You: To be upfront: I don't run payroll, so you'd still need a payroll service for that part.\n"
        "Dana: Okay, good to know."
    )
    report = critique(parse_plain(call, "You"), facts=[facts], use_model=False)
    disclosure = next(d for d in report.dimensions if d.id == "disclosure")
    assert disclosure.score == 1.0
    assert [(s.turn, s.kind) for s in report.strengths if s.kind == "disclosed_limitation"] == [
        (4, "disclosed_limitation")
    ]


def test_the_summary_keeps_only_what_the_findings_support():
    from coach.critique.engine import grounded

    source = (
        "What the seller did well: asked before pitching; disclosed: No payroll.\n"
        "What the seller should work on: pressure (1 time, first at turn 3).\n"
        "Stance at the end: undecided; the fit was partial."
    )
    written = (
        "You did well by asking before pitching and disclosing that you don't run payroll. "
        "Watch the pressure you put on her at turn 3. "
        "Additionally, you could consider offering a free consultation and discounted pricing."
    )
    assert grounded(written, source) == (
        "You did well by asking before pitching and disclosing that you don't run payroll. "
        "Watch the pressure you put on her at turn 3."
    )
    assert grounded("Offer free consultations and discounted pricing tiers.", source) == ""


def test_words_she_quotes_are_not_her_claims():
    said = (
        "Dana: What results do your clients see?\n"
        'Maya: One client told me "you guaranteed our sales would double", and I had to correct her.\n'
        "Dana: And for us?\n"
        "Maya: I guarantee your sales will double."
    )
    report = critique(
        parse_plain(said, "Maya"), facts=["# Offer\n\nBookkeeping, $300 a month."], use_model=False
    )
    overclaims = [(f.turn, f.kind) for f in report.flags if f.kind == "overclaim"]
    assert overclaims == [(4, "overclaim")]


def test_a_false_yes_to_a_need_the_facts_rule_out_is_an_overclaim():
    from coach.critique import analyze
    from knowledge.embedding import embed

    limits = analyze.Limits.from_facts(FACTS, embed)

    def false_yeses(reply):
        call = (
            "Maya: Hi Lena, what made you reach out?\n"
            "Lena: My books are a mess. We need on-site visits now and then.\n"
            f"Maya: {reply}\n"
            "Lena: Great."
        )
        read = analyze.CallReading.of(parse_plain(call, "Maya"))
        return [(o.kind, o.turn, o.quote) for o in analyze.false_yeses(read, limits, embed)]

    yes = "Sure, we can do on-site visits, no problem."
    assert false_yeses(yes) == [("overclaim", 3, yes)]
    assert false_yeses("Can I ask what the books look like today?") == []
    assert false_yeses("To be upfront, I work remotely only, so no on-site visits.") == []
    r = report(
        "Maya: Hi Lena, what made you reach out?\n"
        f"Lena: My books are a mess. We need on-site visits now and then.\nMaya: {yes}"
    )
    assert [(f.kind, f.turn) for f in r.flags if f.kind == "overclaim"] == [("overclaim", 3)]


def test_a_disclosure_in_reply_to_the_need_counts_in_other_words():
    call = (
        "Maya: Hi Lena, what made you reach out?\n"
        "Lena: We need on-site visits now and then. Would you come to us?\n"
        "Maya: No, I should be upfront: everything I do happens online, over video calls.\n"
        "Lena: Okay."
    )
    r = report(call)
    assert not any(f.kind == "undisclosed_limitation" for f in r.flags)
    assert any(s.kind == "disclosed_limitation" and s.turn == 3 for s in r.strengths)


def _practice(fake):
    from pathlib import Path

    from coach.config import ModelSettings
    from coach.practice import PracticeSession
    from personas.cards import PersonaCard, ScenarioCard
    from personas.loader import load_card

    cards = Path(__file__).parent / "data" / "cards"
    persona = load_card(PersonaCard, cards / "lena-florist.yaml")
    scenario = load_card(ScenarioCard, cards / "bookkeeping-for-shops.yaml")
    return PracticeSession.start(Store(), persona, scenario, ModelSettings("fake/x"))


def test_her_own_rules_are_checked_after_a_practice_call(fake):
    session = _practice(fake)
    "".join(session.send("How do you keep track of your receipts today?"))
    "".join(session.send("Tell you what, I'll take 25% off the monthly fee if you sign up."))
    session.end(personal_code=["I don't discount more than 10%"])
    breaches = [f for f in session.report.flags if f.kind == "code_breach"]
    assert [(f.turn, f.quote) for f in breaches] == [
        (4, "Tell you what, I'll take 25% off the monthly fee if you sign up.")
    ]
    again = _practice(fake)
    "".join(again.send("Tell you what, I'll take 25% off the monthly fee if you sign up."))
    again.end()
    assert not any(f.kind == "code_breach" for f in again.report.flags)


def test_extra_facts_in_a_practice_critique_are_not_limitations(fake):
    from coach.critique import practice_context
    from coach.critique.engine import limitations_of

    session = _practice(fake)
    "".join(session.send("How do you keep track of your receipts today?"))
    session.end(critique=False)
    rows = session.store.turns_of(session.record.id)
    sheet = "# My product sheet\n- Weekly reconciliation of every bank account you hold."
    context = practice_context(session.persona, session.scenario, rows, [sheet], ())
    assert limitations_of(context) == list(session.scenario.offer.limitations)
    assert "Weekly reconciliation" in context.facts
    review = Context(facts="# Offer\n## Limitations\n- No payroll\n", limitations=["No payroll"])
    assert limitations_of(review) == ["No payroll"]


@pytest.mark.parametrize(
    ("role", "coach", "name"),
    [
        ("seller", "sales coach", "seller"),
        ("candidate", "interview coach", "candidate"),
        ("interviewer", "hiring coach", "interviewer"),
    ],
)
def test_the_summary_speaks_to_her_real_role(fake, role, coach, name):
    from coach.config import ModelSettings

    fake.queue("You asked good questions.")
    critique(parse_plain(HONEST, "Maya"), role=role, settings=ModelSettings("fake/x"))
    (prompt,) = [p for p in fake.prompts if "did well" in p[-1]["content"]]
    assert coach in prompt[0]["content"]
    assert f"What the {name} did well" in prompt[-1]["content"]
    other = {"seller", "candidate", "interviewer"} - {name}
    assert not any(o in prompt[-1]["content"] for o in other)


def test_a_practice_interview_is_critiqued_in_the_users_role(fake):
    from coach.config import ModelSettings
    from coach.practice import PracticeSession
    from personas import loader

    persona = loader.persona("grace-backend-developer-candidate")
    scenario = loader.scenario_for(persona)
    assert scenario.user_role == "interviewer"
    session = PracticeSession.start(Store(), persona, scenario, ModelSettings("fake/x"))
    "".join(session.send("What kind of team are you hoping to join next?"))
    session.end()
    summary = [p for p in fake.prompts if "did well" in p[-1]["content"]]
    assert summary and "hiring coach" in summary[-1][0]["content"]
    assert "seller" not in summary[-1][-1]["content"]


def test_each_source_has_its_own_entry_point_and_clear_errors(tmp_path):
    from coach.critique import critique_file, critique_session

    with pytest.raises(InputError, match="critique_file"):
        critique(str(tmp_path / "call.txt"), use_model=False)
    with pytest.raises(InputError, match="No transcript file at .*nowhere.txt"):
        critique_file(tmp_path / "nowhere.txt", use_model=False)
    with pytest.raises(InputError, match="no-such-session"):
        critique_session(Store(), "no-such-session", use_model=False)
    path = tmp_path / "call.txt"
    path.write_text(HONEST, encoding="utf-8")
    report = critique_file(path, "Maya", [FACTS], use_model=False)
    assert report.me == "Maya" and report.flags == []
