"""Latency of the default built-in model over a 20-turn conversation, and the gateway's overhead.

Run: ``make bench`` (or ``.venv/bin/python bench/model_latency.py [--model local/...]``).

Prints a table per turn (prompt tokens, time to first token, reply tokens, tokens/s, latency),
then one JSON line with at least ``ttft_s_median``, ``turn20_over_turn1`` (target <= 1.3: the
KV-cache prefix reuse keeps turns flat) and ``litellm_over_raw_tps`` (target >= 0.95: tokens/s
through litellm divided by tokens/s from raw llama-cpp-python on the same prompt).
Each user turn asks for more than the token cap, so every turn produces the same number of
tokens and the latencies compare like with like.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from coach import llm
from coach.config import ModelSettings
from coach.llm import builtin, runtime

SYSTEM = (
    "You are Rivka, the owner of a small bakery with four employees. You are talking to a "
    "consultant who sells bookkeeping services. Answer in full sentences, in detail."
)
QUESTIONS = [
    "Tell me about your bakery and how you run it day to day.",
    "How do you keep track of your income and expenses today?",
    "What takes most of your time at the end of each month?",
    "Describe the last time a bookkeeping mistake cost you money.",
    "How do you pay your suppliers, and how often?",
    "What do you know about the taxes your bakery owes each quarter?",
    "Who helps you with the paperwork now, and what do they do?",
    "What would you do with the extra hours if the books took care of themselves?",
    "What worries you about handing your numbers to an outsider?",
    "Tell me about your busiest season and how cash flow looks then.",
    "What tools or software have you tried before, and what happened?",
    "How do your employees get paid, and who handles it?",
    "What would make you trust a bookkeeper?",
    "Describe your budget for outside help this year.",
    "What has a past salesperson done that annoyed you?",
    "What would a good first month working together look like to you?",
    "What questions do you have for me about how I work?",
    "Describe a bakery you admire and why.",
    "What would make you say no to working with me?",
    "Summarise what you need from a bookkeeper, in your own words.",
]
CAP = 48


def conversation(settings: ModelSettings) -> list[dict[str, float]]:
    """Run the scripted conversation; one row of measurements per turn."""
    messages = [{"role": "system", "content": SYSTEM}]
    rows = []
    for turn, question in enumerate(QUESTIONS, start=1):
        messages.append({"role": "user", "content": question})
        stream = llm.stream_chat(messages, settings, max_tokens=CAP, temperature=0)
        for _ in stream:
            pass
        reply = stream.reply
        assert reply is not None and reply.ttft_s is not None
        gen_s = max(reply.latency_s - reply.ttft_s, 1e-9)
        tokens = reply.completion_tokens or 0
        rows.append(
            {
                "turn": turn,
                "prompt_tokens": reply.prompt_tokens or 0,
                "ttft_s": reply.ttft_s,
                "tokens": tokens,
                "tps": (tokens - 1) / gen_s if tokens > 1 else 0.0,
                "latency_s": reply.latency_s,
            }
        )
        messages.append({"role": "assistant", "content": reply.text})
    return rows


def raw_tps(spec: builtin.BuiltinModel, messages: list[dict[str, str]]) -> float:
    """Tokens/s from llama-cpp-python's own streaming completion on the rendered prompt."""
    loaded = runtime.load(spec)
    prompt = loaded.formatter(messages=messages).prompt
    with loaded.lock:
        time.perf_counter()
        first = None
        count = 0
        for _ in loaded.llama.create_completion(  # the runtime's own sampling settings
            prompt,
            max_tokens=CAP,
            stream=True,
            temperature=0,
            top_p=spec.sampling["top_p"],
            top_k=int(spec.sampling["top_k"]),
            repeat_penalty=spec.sampling["repeat_penalty"],
        ):
            count += 1
            if first is None:
                first = time.perf_counter()
        end = time.perf_counter()
    assert first is not None
    return (count - 1) / (end - first)


def gateway_tps(settings: ModelSettings, messages: list[dict[str, str]]) -> float:
    stream = llm.stream_chat(messages, settings, max_tokens=CAP, temperature=0)
    for _ in stream:
        pass
    reply = stream.reply
    assert reply is not None and reply.ttft_s is not None and reply.completion_tokens
    return (reply.completion_tokens - 1) / (reply.latency_s - reply.ttft_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=builtin.QWEN.model_string)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    settings = ModelSettings(args.model)
    spec = builtin.builtin_model(args.model)
    t0 = time.perf_counter()
    llm.prepare(settings)
    load_s = time.perf_counter() - t0

    rows = conversation(settings)
    print(f"model: {settings.model} (loaded in {load_s:.1f} s), reply cap {CAP} tokens")
    print(
        f"{'turn':>4} {'prompt tok':>10} {'ttft s':>7} {'tokens':>6} {'tok/s':>6} {'latency s':>9}"
    )
    for r in rows:
        print(
            f"{r['turn']:>4} {r['prompt_tokens']:>10} {r['ttft_s']:>7.2f} {r['tokens']:>6} "
            f"{r['tps']:>6.1f} {r['latency_s']:>9.2f}"
        )

    probe = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTIONS[0]}]
    raw, through = [], []
    for _ in range(args.repeats):  # interleaved, so drift in machine load hits both alike
        raw.append(raw_tps(spec, probe))
        through.append(gateway_tps(settings, probe))
    raw_med, through_med = statistics.median(raw), statistics.median(through)
    print(
        f"\ngeneration tok/s on one prompt, median of {args.repeats}: "
        f"raw llama-cpp {raw_med:.1f}, through litellm {through_med:.1f}"
    )

    result = {
        "model": settings.model,
        "turns": len(rows),
        "load_s": round(load_s, 2),
        "ttft_s_median": round(statistics.median(r["ttft_s"] for r in rows), 3),
        "tps_median": round(statistics.median(r["tps"] for r in rows), 2),
        "turn1_latency_s": round(rows[0]["latency_s"], 3),
        "turn20_latency_s": round(rows[-1]["latency_s"], 3),
        "turn20_over_turn1": round(rows[-1]["latency_s"] / rows[0]["latency_s"], 3),
        # turn 1 also evaluates the system prompt cold; turn 2 is the first warm turn
        "turn20_over_turn2": round(rows[-1]["latency_s"] / rows[1]["latency_s"], 3),
        "turn20_prompt_tokens": rows[-1]["prompt_tokens"],
        "all_turns_hit_cap": all(r["tokens"] == CAP for r in rows),
        "raw_tps": round(raw_med, 2),
        "litellm_tps": round(through_med, 2),
        "litellm_over_raw_tps": round(through_med / raw_med, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
