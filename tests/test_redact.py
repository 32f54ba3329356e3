"""Secrets are redacted from text bound for a remote model, and scrubbed from messages."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.redact import redact, scrub

SECRETS = [
    ("my key is sk-proj-abcdefghijklmnopqrstuvwx, keep it", "sk-proj-abcdefghijklmnopqrstuvwx"),
    ("anthropic sk-ant-api03-abcdefghijklmnopqrstuvwx", "sk-ant-api03-abcdefghijklmnopqrstuvwx"),
    ("aws AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"),
    ("gh ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("slack xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij"),
    ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345"),
    ("the password: hunter22! is old", "hunter22!"),
    ('api_key="abcd1234efgh"', "abcd1234efgh"),
    ("db at postgres://bob:s3cretpw@db:5432/x", "s3cretpw"),
    ("card 4111 1111 1111 1111 ok", "4111 1111 1111 1111"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----", "MIIabc"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_obvious_secrets_are_redacted(text, secret):
    out, count = redact(text)
    assert secret not in out and count == 1 and "[redacted" in out


@pytest.mark.parametrize(
    "text",
    [
        "The price is 300 dollars a month, and 1234 5678 9012 3456 is an order number.",
        "Thanks, that's a token of appreciation. Our password policy is strict.",
        "שלום! Can we talk on Tuesday? 🙂 My number is 555-0101.",
        "Call me at +1 415 555 0199 or visit https://example.com/pricing",
    ],
)
def test_ordinary_conversation_is_left_alone(text):
    assert redact(text) == (text, 0)


def test_scrub_removes_the_environments_secrets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "zz-SENTINEL-12345")
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # too short to be treated as a secret
    assert scrub("bad key zz-SENTINEL-12345 given (abc)") == "bad key [redacted key] given (abc)"


@given(st.text(max_size=300))
def test_redact_never_fails_and_is_idempotent(text):
    once, _ = redact(text)
    assert redact(once)[0] == once
