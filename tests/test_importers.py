"""Transcript importers: real exports from Zoom and Otter, small fixtures for every format,
errors that name the file, and fuzzing that lets nothing but ``InputError`` escape.

Run: ``.venv/bin/python -m pytest -q tests/test_importers.py``
"""

from __future__ import annotations

import codecs
import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.errors import InputError
from coach.importers import (
    FORMATS,
    MAX_BYTES,
    Imported,
    ImportedTurn,
    alternate_speakers,
    import_file,
    import_text,
)

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "transcripts"
FIXTURES = Path(__file__).resolve().parent / "data" / "transcripts"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
FUZZ = settings(max_examples=150, deadline=None)


def shared(name: str) -> Path:
    """A file from the shared transcripts, or a skip when that data is not checked out."""
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"the shared transcript {name} is not in {SHARED}")
    return path


# --- Real exports ---------------------------------------------------------------------------
# The expected values were found by reading each file with plain Python, not with the
# importers: split into cues, blocks or lines, take the "Name:" prefix or header, drop
# reactions and the footer, then count the runs of one known speaker (unknown turns stay apart).

ACDT_SPEAKERS = [
    "Barnabas",
    "Pooja Ranjan",
    "Justin Traglia",
    "Manu",
    "Potuz",
    "Stefan Starflinger",
    "Toni Wahrstätter",
    "Karim T. (matkt)",
    "Marc",
    "Jared Wasinger",
    "Jen",
    "Caleb",
    "Stefan Bratanov",
    "Eitan",
    "NC",
    "Saulius Grigaitis | Grandine",
    "Marius van der Wijden",
]


@pytest.mark.parametrize(
    ("name", "speakers"),
    [
        ("ethereum_pm_acdt068_transcript.vtt", ACDT_SPEAKERS),
        # The corrected file's "Grandin" -> "Grandine" fix also hit this display name.
        (
            "ethereum_pm_acdt068_transcript_corrected.vtt",
            [s.replace("Grandine", "Grandinee") for s in ACDT_SPEAKERS],
        ),
    ],
)
def test_zoom_vtt(name: str, speakers: list[str]) -> None:
    path = shared(name)
    imported = import_file(path)
    assert imported.format == "vtt"
    assert imported.source == name
    assert imported.speakers == speakers
    assert not imported.has_unknown
    # 225 cues, 98 runs of one speaker.
    assert len(imported.turns) == 98
    assert imported.turns[0] == ImportedTurn("Barnabas", "No.", 230.78)
    assert imported.turns[-1] == ImportedTurn("Marius van der Wijden", "But…", 2039.37)
    assert all(t.speaker is not None and t.speaker + ":" not in t.text for t in imported.turns)


def test_zoom_vtt_raw_file_has_crlf_line_ends() -> None:
    assert b"\r\n" in shared("ethereum_pm_acdt068_transcript.vtt").read_bytes()


def test_zoom_chat() -> None:
    imported = import_file(shared("ethereum_pm_acdt068_chat.txt"))
    assert imported.format == "zoom_chat"
    # felipe and Guru only reacted, so they are not speakers.
    assert imported.speakers == [
        "Manu",
        "Potuz",
        "Barnabas",
        "Daniel Knopik",
        "Stefan Starflinger",
        "Karim T. (matkt)",
        "Jared Wasinger",
        "Toni Wahrstätter",
        "Daniel Lehrner (Besu)",
        "Caleb",
        "Justin Traglia",
        "NC",
        "Stefan Bratanov",
        "Francesco",
    ]
    # 51 messages, 13 of them reactions; the other 38 make 30 runs of one speaker.
    assert len(imported.turns) == 30
    assert not imported.has_unknown
    assert imported.turns[0] == ImportedTurn("Manu", "GM!", 235.0)
    texts = [t.text for t in imported.turns]
    assert not [t for t in texts if "Reacted to" in t or "Replying to" in t]
    # Manu's correction, once the reaction between the two messages is gone.
    assert imported.turns[4] == ImportedTurn(
        "Manu", "I will let know prism members working on partial cells prysm*", 606.0
    )
    # A reply that goes on over the lines after its timestamp keeps only the reply.
    assert imported.turns[6].text.startswith("if any client teams notice anything wrong")
    assert "Nimbus is pretty much ready: https://github.com/status-im/nimbus-eth2/pull/7881" in (
        texts
    )


def test_vtt_without_speakers_stays_unknown() -> None:
    imported = import_file(shared("python_bytes_310_no_speaker.vtt"))
    assert imported.format == "vtt"
    assert imported.speakers == []
    assert imported.has_unknown
    # 884 cues, one turn each: unknown turns are never merged.
    assert len(imported.turns) == 884
    assert all(t.speaker is None for t in imported.turns)
    assert imported.turns[0] == ImportedTurn(
        None,
        "Hello and welcome to Python Bytes, where we deliver Python news and headlines "
        "directly to your earbuds.",
        0.001,
    )


def test_alternate_speakers_labels_the_no_speaker_vtt_only_when_asked() -> None:
    path = shared("python_bytes_310_no_speaker.vtt")
    labelled = alternate_speakers(import_file(path))
    assert labelled.speakers == ["Speaker 1", "Speaker 2"]
    assert not labelled.has_unknown
    assert len(labelled.turns) == 884
    assert [t.speaker for t in labelled.turns[:4]] == ["Speaker 1", "Speaker 2"] * 2
    assert all(
        a.speaker != b.speaker for a, b in zip(labelled.turns, labelled.turns[1:], strict=False)
    )
    named = alternate_speakers(import_file(path), ("Host", "Guest"))
    assert named.speakers == ["Host", "Guest"]
    # Importing again gives unknown speakers: the heuristic never runs by itself.
    assert all(t.speaker is None for t in import_file(path).turns)


def test_messy_otter_export() -> None:
    imported = import_file(shared("python_bytes_310_otter_export_c1513c0.txt"))
    assert imported.format == "otter"
    assert imported.speakers == ["Michael Kennedy", "Brian Okken"]
    # 87 speaker headers; no two in a row share a known speaker, so 87 turns, 32 unknown.
    assert len(imported.turns) == 87
    assert sum(t.speaker is None for t in imported.turns) == 32
    first = imported.turns[0]
    assert (first.speaker, first.start) == ("Michael Kennedy", 0.0)
    assert first.text.startswith("Hello, and welcome to python bytes where we deliver")
    # Two "Unknown Speaker" paragraphs in a row are two people (Brian, then Adam).
    assert imported.turns[1] == ImportedTurn(None, "And I am Brian Aachen.", 10.0)
    assert imported.turns[2] == ImportedTurn(None, "And I'm Adam Hopkins.", 12.0)
    assert imported.turns[-1].start == 53 * 60 + 39
    assert not [t for t in imported.turns if t.text.startswith("0:00") or "otter.ai" in t.text]


# --- Own fixtures ---------------------------------------------------------------------------


def fixture(name: str) -> Path:
    return FIXTURES / name


def test_teams_vtt_voice_tags() -> None:
    imported = import_file(fixture("teams_meeting.vtt"))
    assert imported.format == "vtt"
    assert imported.turns == [
        ImportedTurn("Dana Whitfield", "Thanks for making time today, Sam.", 2.15),
        ImportedTurn(
            "Sam Ortiz",
            "Happy to. I read the proposal last night, and I have a few questions about the "
            "pricing.",
            5.9,
        ),
        ImportedTurn(
            "Dana Whitfield",
            "Of course. Ask away & I will be straight with you. If something is not a fit, I "
            "would rather say so now.",
            11.5,
        ),
        ImportedTurn("Sam Ortiz", "Good. Why is the annual plan cheaper per seat?", 18.3),
    ]


def test_meet_vtt_mixes_prefixed_and_plain_cues() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAlice: Shall we start?\n\n"
        "00:00:02.500 --> 00:00:04.000\nThe plan is: ship on Friday.\n\n"
        "00:00:04.500 --> 00:00:05.000\nBob: Agreed.\n"
    )
    imported = import_text(text, source="meet.vtt")
    assert imported.speakers == ["Alice", "Bob"]
    assert imported.turns[1] == ImportedTurn(None, "The plan is: ship on Friday.", 2.5)


def test_srt_with_name_prefixes() -> None:
    imported = import_file(fixture("interview.srt"))
    assert imported.format == "srt"
    assert imported.speakers == ["INTERVIEWER", "CANDIDATE"]
    assert imported.turns == [
        ImportedTurn("INTERVIEWER", "Tell me about a project you are proud of.", 1.0),
        ImportedTurn(
            "CANDIDATE",
            "The billing rewrite. We cut failed payments by a third in two months.",
            4.0,
        ),
        ImportedTurn(None, "[laughter]", 8.5),
        ImportedTurn("INTERVIEWER", "What was your part in it?", 10.4),
    ]


def test_otter_export_with_unknown_speakers_and_footer() -> None:
    imported = import_file(fixture("otter_call.txt"))
    assert imported.format == "otter"
    assert imported.speakers == ["Priya Nair"]
    assert [t.speaker for t in imported.turns] == [
        "Priya Nair",
        None,
        "Priya Nair",
        None,
        None,
        "Priya Nair",
    ]
    assert [t.start for t in imported.turns] == [0, 6, 11, 15, 19, 3723]
    assert imported.turns[-1].text == "Understood. I will send both in writing."


def test_plain_name_text_lines() -> None:
    imported = import_file(fixture("plain_call.txt"))
    assert imported.format == "plain"
    assert imported.turns == [
        ImportedTurn("Alex", "Thanks for taking the call."),
        ImportedTurn("Jordan", "Of course. I only have twenty minutes, though."),
        ImportedTurn(
            "Alex",
            "Then I will be quick. The short version is: we can do it, but not by Friday. "
            "I would rather tell you that now.",
        ),
        ImportedTurn("Jordan", "I appreciate that."),
    ]


def test_json_turns() -> None:
    imported = import_file(fixture("turns.json"))
    assert imported.format == "json"
    assert imported.speakers == ["Mara", "Lee"]
    assert imported.turns[2] == ImportedTurn(None, "(inaudible)")
    assert [t.start for t in imported.turns] == [0.0, 4.5, None, 9.0]
    bare = json.loads(fixture("turns.json").read_text())["turns"]
    assert import_text(json.dumps(bare)).turns == imported.turns


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def test_docx(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "call.docx",
        ["Dana: Hello, Sam.", "Sam: Hi. Quick question first.", "It is about price.", "Dana: Go."],
    )
    imported = import_file(path)
    assert imported.format == "docx"
    assert imported.turns == [
        ImportedTurn("Dana", "Hello, Sam."),
        ImportedTurn("Sam", "Hi. Quick question first. It is about price."),
        ImportedTurn("Dana", "Go."),
    ]
    # A .docx under another name is still recognised by its content.
    assert import_file(shutil.copy(path, tmp_path / "call.bin")).format == "docx"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("teams_meeting.vtt", "vtt"),
        ("interview.srt", "srt"),
        ("otter_call.txt", "otter"),
        ("plain_call.txt", "plain"),
        ("turns.json", "json"),
    ],
)
def test_detection_from_content_not_extension(tmp_path: Path, name: str, fmt: str) -> None:
    renamed = shutil.copy(fixture(name), tmp_path / "transcript.txt")
    assert import_file(renamed).format == fmt
    assert import_text(fixture(name).read_text(encoding="utf-8")).format == fmt
    assert import_file(fixture(name), fmt=fmt) == import_file(fixture(name))


def test_a_speaker_prefix_must_read_as_a_name() -> None:
    text = (
        "Me: I can't do Friday.\nThem: Then Monday.\nLook: it has to be this week.\n"
        "The honest answer is: no.\nMarius van der Wijden: Fine."
    )
    assert import_text(text).turns == [
        ImportedTurn("Me", "I can't do Friday."),
        ImportedTurn(
            "Them", "Then Monday. Look: it has to be this week. The honest answer is: no."
        ),
        ImportedTurn("Marius van der Wijden", "Fine."),
    ]


def test_fmt_overrides_detection() -> None:
    text = "Interviewer  0:00\nCandidate: I led the migration.\n"
    assert import_text(text).turns == [
        ImportedTurn("Interviewer", "Candidate: I led the migration.", 0.0)
    ]
    forced = import_text(text, fmt="plain")
    assert forced.format == "plain"
    assert forced.turns == [
        ImportedTurn(None, "Interviewer 0:00"),
        ImportedTurn("Candidate", "I led the migration."),
    ]
    with pytest.raises(InputError, match=r"interview\.srt: expected a WebVTT file"):
        import_file(fixture("interview.srt"), fmt="vtt")


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_encodings_and_line_ends(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = "Zoë: Ça va?\rJürgen: Gut, danke.\r\n"
    path = tmp_path / "call.txt"
    path.write_bytes(bom + text.encode(encoding))
    imported = import_file(path)
    assert imported.turns == [ImportedTurn("Zoë", "Ça va?"), ImportedTurn("Jürgen", "Gut, danke.")]


# --- Errors ---------------------------------------------------------------------------------


def raises_naming(name: str, call: Callable[[], object], *fragments: str) -> str:
    """The message of the InputError ``call`` raises, checked to name ``name`` and ``fragments``."""
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert name in message
    for fragment in fragments:
        assert fragment in message
    return message


def test_missing_file_or_folder(tmp_path: Path) -> None:
    raises_naming("gone.vtt", lambda: import_file(tmp_path / "gone.vtt"), "no such file")
    folder = tmp_path / "calls"
    folder.mkdir()
    raises_naming("calls", lambda: import_file(folder), "is a folder")


@pytest.mark.parametrize("content", [b"", b"\n \r\n\t\n", codecs.BOM_UTF8])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.vtt"
    path.write_bytes(content)
    raises_naming("empty.vtt", lambda: import_file(path), "expected a transcript")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    raises_naming(
        "photo.png",
        lambda: import_file(path),
        "expected a text transcript (VTT, SRT, Otter, Zoom chat, plain, JSON) or .docx, "
        "found binary data",
    )


def test_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.vtt"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: no 10 MB written to disk
    raises_naming("huge.vtt", lambda: import_file(path), "10.0 MB (10,485,761 bytes)", "limit")
    pasted = "A: " + "x" * MAX_BYTES
    raises_naming("pasted", lambda: import_text(pasted, source="pasted"), "10,485,763 bytes")


def test_latin1_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Zoë: ça va? Très bien.\n".encode("latin-1"))
    raises_naming("latin.txt", lambda: import_file(path), "expected UTF-8", "0xEB")


def test_broken_utf16(tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "A: b".encode("utf-16-le") + b"\x00")
    raises_naming("call.txt", lambda: import_file(path), "not valid UTF-16")


def test_unrecognised_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello world\n")
    raises_naming("notes.txt", lambda: import_file(path), "WebVTT", "'hello world'")
    raises_naming("pasted", lambda: import_text("hello world", source="pasted"), "Otter")


def test_broken_docx(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    raises_naming("broken.docx", lambda: import_file(path), "expected a Word .docx document")
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("notes.txt", "Alex: hi")
    raises_naming("archive.zip", lambda: import_file(archive), "a ZIP archive without one")
    docx_path = write_docx(tmp_path / "real.docx", ["A: b"])
    raises_naming("real.docx", lambda: import_file(docx_path, fmt="plain"), "binary data")
    raises_naming("x.docx", lambda: import_text("A: b", fmt="docx", source="x.docx"), "file itself")
    old_word = tmp_path / "notes.doc"
    old_word.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    raises_naming("notes.doc", lambda: import_file(old_word), "old Word .doc file")


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ('{"turns": 3}', ["expected a list of", 'found "turns" holding a number']),
        ('{"speakers": []}', ["found an object with keys 'speakers'"]),
        ('[{"speaker": "A"}]', ['[0]: the "text" field is missing']),
        ('[{"speaker": 5, "text": "x"}]', ["[0].speaker: expected a string or null"]),
        ('["hello"]', ["[0]: expected an object", "found a string"]),
        ('[{"text": "x", "start": "soon"}]', ["[0].start: expected seconds", "'soon'"]),
        (
            '{"turns": [{"speaker": "A", "text": "ok"}, {"speaker": "B", "text": 7}]}',
            ["turns[1].text: expected a string, found a number"],
        ),
        ("[]", ["expected JSON turns with text, found none"]),
        ('[{"speaker": "A",', ["invalid JSON at line 1"]),
    ],
)
def test_bad_json_shapes(tmp_path: Path, content: str, fragments: list[str]) -> None:
    path = tmp_path / "turns.json"
    path.write_text(content)
    raises_naming("turns.json", lambda: import_file(path), *fragments)


def test_unknown_fmt() -> None:
    path = fixture("plain_call.txt")
    raises_naming("plain_call.txt", lambda: import_file(path, fmt="pdf"), "'pdf'", "vtt, srt")
    raises_naming("pasted", lambda: import_text("A: b", fmt="PDF", source="pasted"), "'PDF'")


def test_alternate_speakers_needs_two_names() -> None:
    imported = import_file(fixture("interview.srt"))
    labelled = alternate_speakers(imported)
    assert labelled.turns[2] == ImportedTurn("Speaker 1", "[laughter]", 8.5)
    raises_naming("interview.srt", lambda: alternate_speakers(imported, ("Me", " Me ")))
    raises_naming("interview.srt", lambda: alternate_speakers(imported, ("Me", "  ")))


# --- Fuzzing --------------------------------------------------------------------------------

# Starts that steer random text into each parser's deeper paths.
SEEDS = [
    "WEBVTT\n\n",
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v ",
    "1\n00:00:01,000 --> 00:00:02,000\n",
    "Jane Doe  0:05\n",
    "0:00 Jane Doe  0:05\n0:00 ",
    "00:01:02\tJane:\t",
    "Jane: ",
    '{"turns": [{"speaker": ',
    '[{"text": ',
]
texts = st.one_of(st.text(), st.builds(str.__add__, st.sampled_from(SEEDS), st.text()))


def only_input_errors(call: Callable[[], Imported], source: str) -> None:
    """Run ``call``: a well-formed transcript comes back, or an InputError naming ``source``."""
    try:
        imported = call()
    except InputError as exc:
        assert source in str(exc)
        return
    assert imported.format in FORMATS
    assert imported.turns
    for turn in imported.turns:
        assert turn.text and turn.text == " ".join(turn.text.split())
        assert turn.speaker is None or turn.speaker.strip()


@pytest.mark.parametrize("fmt", [*FORMATS, None])
@FUZZ
@given(text=texts)
def test_fuzz_text(fmt: str | None, text: str) -> None:
    only_input_errors(lambda: import_text(text, fmt=fmt, source="fuzzed"), "fuzzed")


@pytest.mark.parametrize("fmt", [*FORMATS, None])
@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.builds(
            bytes.__add__,
            st.sampled_from([b"PK\x03\x04", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"WEBVTT\n"]),
            st.binary(max_size=400),
        ),
        texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
    ),
    suffix=st.sampled_from([".txt", ".vtt", ".srt", ".json", ".docx"]),
)
def test_fuzz_bytes(
    tmp_path_factory: pytest.TempPathFactory, fmt: str | None, data: bytes, suffix: str
) -> None:
    path = tmp_path_factory.getbasetemp() / f"fuzzed{suffix}"
    path.write_bytes(data)
    only_input_errors(lambda: import_file(path, fmt=fmt), "fuzzed")


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Dana: Hello.")
    document.save(buffer)
    return buffer.getvalue()


DOCX = _docx_bytes()


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, len(DOCX) - 1), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, len(DOCX)),
)
def test_fuzz_corrupt_docx(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(DOCX[: max(cut, 4)])
    for position, value in edits:
        if position < len(data):
            data[position] = value
    path = tmp_path_factory.getbasetemp() / "fuzzed.docx"
    path.write_bytes(bytes(data))
    only_input_errors(lambda: import_file(path), "fuzzed")


@FUZZ
@given(
    paragraphs=st.lists(
        st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")) | st.sampled_from("\t:\n "))
    )
)
def test_fuzz_docx_paragraphs(
    tmp_path_factory: pytest.TempPathFactory, paragraphs: list[str]
) -> None:
    path = write_docx(tmp_path_factory.getbasetemp() / "fuzzed.docx", paragraphs)
    only_input_errors(lambda: import_file(path), "fuzzed")
