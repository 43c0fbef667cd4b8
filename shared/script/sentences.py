"""Sentence-level text handling shared by the timing corrector and the offline composer.

Both of them change voiceover length a whole sentence at a time (a cut mid-sentence is
audible), and both must avoid saying the same sentence twice, so they need to agree on
where a sentence ends and on when two sentences are "the same".
"""

from __future__ import annotations

import re

# Titles that end in a full stop but never end a sentence in speech.
_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "inc", "ltd", "co", "e.g", "i.e",
     "approx", "no", "jr", "sr"}
)
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"')\]’”]*\s+")
_NON_WORD = re.compile(r"[^\w]+")


def split_sentences(text: str) -> list[str]:
    """Split voiceover text into sentences, keeping each sentence's own punctuation.

    A full stop inside a number ("4.8 seconds") or after a title ("Dr. Wójcik") does not
    end a sentence; text without any terminal punctuation is one sentence.
    """
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()].strip()
        last_word = candidate.rsplit(maxsplit=1)[-1] if candidate else ""
        abbreviation = last_word[:-1].lower()
        # "No. 5" abbreviates "number"; "say no. Now…" ends a sentence.
        if last_word.endswith(".") and abbreviation in _ABBREVIATIONS and (
                abbreviation != "no" or text[match.end():match.end() + 1].isdigit()):
            continue
        if candidate:
            sentences.append(text[start : match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def join_sentences(sentences: list[str]) -> str:
    return " ".join(sentence.strip() for sentence in sentences if sentence.strip())


def sentence_key(sentence: str) -> str:
    """Case- and punctuation-insensitive identity, so "Let's go!" repeats "let's go."."""
    return _NON_WORD.sub(" ", sentence.lower()).strip()


def inline(text: str) -> str:
    """A title as a phrase inside a sentence: no end punctuation, ordinary first word in
    lower case ("Mobile layout fixes" → "mobile layout fixes"), acronyms and names with
    inner capitals ("SEO", "iOS", "McKinsey") left alone."""
    text = text.strip().rstrip(" .!?;:,")
    first = text.split(maxsplit=1)[0] if text else ""
    if first[:1].isupper() and first[1:].islower():
        return text[:1].lower() + text[1:]
    return text


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
