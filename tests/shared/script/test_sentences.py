"""Sentence boundaries and identity, which the composer and the corrector must agree on."""

from __future__ import annotations

import pytest

from shared.script.sentences import inline, sentence_key, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("It drops from 4.8 seconds to 1.9. Nice.", ["It drops from 4.8 seconds to 1.9.",
                                                     "Nice."]),
        ("Hello Dr. Wójcik. Welcome.", ["Hello Dr. Wójcik.", "Welcome."]),
        ('He said "go." Then left.', ['He said "go."', "Then left."]),
        ("no punctuation at all", ["no punctuation at all"]),
        ("  ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_sentence_key_ignores_case_and_punctuation() -> None:
    assert sentence_key("Let's go!") == sentence_key("let's go.")
    assert sentence_key("Let's go!") != sentence_key("Let us go!")


@pytest.mark.parametrize(
    ("title", "phrase"),
    [
        ("Mobile layout fixes", "mobile layout fixes"),
        ("Outcome-led hero section.", "outcome-led hero section"),
        ("SEO audit", "SEO audit"),
        ("iOS app banner", "iOS app banner"),
        ("...", ""),
    ],
)
def test_inline_titles(title: str, phrase: str) -> None:
    assert inline(title) == phrase


def test_no_ends_a_sentence_unless_it_abbreviates_number() -> None:
    assert split_sentences("Every obstacle is a reason to say no. Now the good news!") == [
        "Every obstacle is a reason to say no.", "Now the good news!"]
    assert split_sentences("See item No. 5 on the list.") == ["See item No. 5 on the list."]
