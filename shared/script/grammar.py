"""Improvement titles as noun phrases, so lists of them stay grammatical (§5.5).

Plan titles come in two shapes: noun phrases ("Subscription toggle on every product
page") and instructions ("Serve product photos as WebP"). Each reads well on its own, but
a list that mixes them ("a toggle, serve photos as WebP, and a banner") does not. An
instruction becomes a gerund phrase ("serving product photos as WebP"), which is a noun
phrase and sits in any list or title next to the others.
"""

from __future__ import annotations

# Verbs that open imperative titles in website audits. A title whose first word is not
# here is taken as a noun phrase already ("Clearer shipping banner", "Mobile layout fixes").
_VERB_LIST = """
    add adopt allow answer ask audit automate build bundle cache capture clarify clean
    collapse collect combine compress consolidate convert create cut declutter defer
    display drop embed enable expand explain extend feature fix group hide highlight
    host improve inline install integrate introduce launch lazy-load let link list load
    localise localize make mark merge migrate minify minimise minimize move offer open
    optimise optimize pin place preload prefetch promote publish put rebuild reduce
    redesign refresh remove rename reorder reorganise reorganize replace require resize
    restructure rewrite route run send serve set shorten show simplify speed split
    standardise standardize start stop streamline strip support surface swap switch tag
    test tighten track translate trim turn unify update upgrade use validate write
"""
_VERBS = frozenset(_VERB_LIST.split())
# Verbs that double their last consonant: one syllable, or stressed on the last one.
_DOUBLED = frozenset({"cut", "drop", "let", "pin", "put", "run", "set", "ship", "stop",
                      "strip", "swap", "tag", "trim", "plan", "spot", "split", "defer",
                      "submit", "omit", "commit", "control", "permit", "refer"})


def gerund(verb: str) -> str:
    """"serve" → "serving", "cut" → "cutting", "tidy" → "tidying", "add" → "adding"."""
    lower = verb.lower()
    if lower in _DOUBLED:
        stem = verb + verb[-1]
    elif lower.endswith("ie"):
        stem = verb[:-2] + "y"
    elif lower.endswith("e") and not lower.endswith(("ee", "ye", "oe")) and len(lower) > 2:
        stem = verb[:-1]
    else:
        stem = verb
    return stem + "ing"


def noun_phrase(title: str) -> str:
    """The title as a noun phrase, first word kept as written: "Serve product photos as
    WebP" → "Serving product photos as WebP", "Compress and lazy-load images" →
    "Compressing and lazy-loading images"; a noun-phrase title is returned unchanged."""
    words = title.split(" ")
    if len(words) < 2 or words[0].lower() not in _VERBS:
        return title
    out = [_gerund_as_written(words[0])]
    rest = words[1:]
    # Coordinated verbs share the object: "compress and lazy-load product images".
    if len(rest) > 2 and rest[0].lower() in ("and", "or") and rest[1].lower() in _VERBS:
        out += [rest[0], _gerund_as_written(rest[1])]
        rest = rest[2:]
    return " ".join(out + rest)


def _gerund_as_written(word: str) -> str:
    head, dash, last = word.rpartition("-")
    done = f"{head}{dash}{gerund(last)}" if dash else gerund(word)
    return done[:1].upper() + done[1:] if word[:1].isupper() else done


def is_instruction(title: str) -> bool:
    """Whether a title opens with an imperative verb (and so is not a noun phrase)."""
    first, _, rest = title.partition(" ")
    return bool(rest) and first.lower() in _VERBS
