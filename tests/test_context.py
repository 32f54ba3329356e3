"""Trimming a conversation from the middle to fit a context window."""

from coach.llm.context import trim_middle


def words(messages):
    return sum(len(m["content"].split()) for m in messages)


def conversation(n_turns: int) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": "you are a buyer"}]
    for i in range(n_turns):
        messages.append({"role": "user", "content": f"question {i} " + "x " * 8})
        messages.append({"role": "assistant", "content": f"answer {i} " + "y " * 8})
    return messages


def test_fitting_conversation_is_unchanged():
    messages = conversation(3)
    assert trim_middle(messages, 10_000, words) == messages


def test_keeps_system_prompt_and_latest_turns():
    messages = conversation(30)
    kept = trim_middle(messages, 200, words)
    assert words(kept) <= 200
    assert kept[0] == messages[0]
    assert kept[-1] == messages[-1]
    assert kept[-10:] == messages[-10:]
    assert len(kept) < len(messages)
    # what is kept after the system prompt is a contiguous tail of the conversation
    assert kept[1:] == messages[len(messages) - len(kept) + 1 :]
    assert kept[1]["role"] == "user"


def test_cut_point_moves_in_blocks_so_the_prefix_stays_stable():
    messages = conversation(40)
    starts = []
    for n in range(40, 80, 2):
        kept = trim_middle(messages[: n + 1], 250, words, block=8)
        starts.append(messages.index(kept[1]))
    # the first kept message changes only a few times over 20 turns, always by whole blocks
    assert all((s - 1) % 8 == 0 for s in starts)
    assert len(set(starts)) < len(starts) / 2


def test_last_message_is_kept_even_if_it_alone_is_too_long():
    messages = conversation(2) + [{"role": "user", "content": "z " * 500}]
    kept = trim_middle(messages, 50, words)
    assert kept == [messages[0], messages[-1]]
