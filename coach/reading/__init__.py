"""The reader of conversational moves: one learned model shared by the director, the critique,
the summary and the app. ``read(text, speaker, before=...)`` returns a :class:`Reading`.

The labelled data is under ``data/`` (see ``LABELS.md``); ``make train`` rebuilds the model in
``model/``; ``make eval`` scores it on the test split and the out-of-domain source.
"""

from coach.reading.reader import (
    Context,
    Reader,
    Reading,
    Speaker,
    Utterance,
    manipulates,
    read,
)

__all__ = [
    "Context",
    "Reader",
    "Reading",
    "Speaker",
    "Utterance",
    "manipulates",
    "read",
]
