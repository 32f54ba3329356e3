"""Reader latency: how long one utterance takes to read, on this machine.

Run: ``make bench`` (or ``.venv/bin/python bench/reader.py``). Reads 200 utterances from the
test split one at a time, as the director does during a call (each with its own embedding),
after a warm-up, and prints p50, p95 and max in a table. The target is p50 <= 20 ms on two cores.
Ends with one JSON line with ``reader_p50_ms``.
"""

from __future__ import annotations

import json
import statistics
import time

from coach.reading import Context, dataset
from coach.reading.reader import Reader

N = 200


def main() -> None:
    reader = Reader()
    texts = [
        t.text for d in dataset.load() if d.split == "test" for t in d.turns if t.side == "user"
    ][:N]
    for text in texts[:10]:
        reader.read(text, context=Context())
    times = []
    for text in texts:
        start = time.perf_counter()
        reader.read(text, context=Context(said_no=True, concern=True))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * len(times)) - 1]
    words = statistics.mean(len(t.split()) for t in texts)
    print("| reader, one utterance | p50 ms | p95 ms | max ms | utterances | mean words |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {reader.embed.__name__} | {p50:.1f} | {p95:.1f} | {times[-1]:.1f} | {len(texts)} "
        f"| {words:.0f} |"
    )
    print(json.dumps({"reader_p50_ms": round(p50, 2), "reader_p95_ms": round(p95, 2)}))


if __name__ == "__main__":
    main()
