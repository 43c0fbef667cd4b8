"""The default way to lengthen a section that came back too short (§3.5).

The orchestrator normally passes a filler backed by the offline composer, which knows the
plan. This one knows only the section itself, so it speaks about the section's subject
(its title and what is on screen) in a neutral voice that suits every style.
"""

from __future__ import annotations

from shared.script.measure import count_words
from shared.script.sentences import inline, sentence_key, split_sentences
from shared.script.types import SceneType, Section

# Colon frames read naturally whatever the phrase after them is: a noun phrase ("mobile
# layout fixes"), an instruction ("compress images") or a heading ("where it falls short").
_TITLED = ("In this part: {title}.",)
_CUED = (
    "Keep an eye on the screen for this: {cue}.",
    "Watch for it on the demo: {cue}.",
    "Worth a closer look: {cue}.",
)
_BY_SCENE: dict[SceneType, tuple[str, ...]] = {
    SceneType.INTRO: (
        "Everything in this video is based on a working demo.",
        "Each part of the video focuses on one practical improvement.",
        "The demo can be explored after the video.",
    ),
    SceneType.PROBLEM: (
        "Visitors rarely say why they leave; they simply do.",
        "Each small obstacle costs a share of the people who arrive.",
        "Most website obstacles can be removed once they are spotted.",
    ),
    SceneType.SOLUTION: (
        "Every change works with the content that already exists.",
        "Each change can be seen in place on the demo.",
        "Each change addresses a specific point in the visitor's journey.",
    ),
    SceneType.FEATURE: (
        "Small details shape how a website feels to use.",
        "Each refinement removes one more reason to hesitate.",
        "Together, small details add up to a smoother visit.",
    ),
    SceneType.DEMO: (
        "The demo is a working site, so every page can be explored.",
        "Notice where the important information comes into view.",
        "Look for the next step on each page.",
    ),
    SceneType.COMPARISON: (
        "Seen side by side, the difference is easy to judge.",
        "The content is the same; the experience is not.",
        "The comparison is most telling on a phone.",
    ),
    SceneType.OUTRO: (
        "Every change in the plan is practical and measurable.",
        "Together, the changes make the website work harder for the business.",
    ),
    SceneType.CTA: (
        "The demo stays available to explore at any time.",
        "A short call is the easiest way to plan the next step.",
    ),
}
_GENERAL = (
    "A clearer website makes every visit count for more.",
    "Good websites earn trust quietly, one page at a time.",
    "Every change was chosen for its effect on real visitors.",
    "A website works best when every page has a clear purpose.",
    "Visitors should always know what to do next.",
)


def _cue_subject(cue: str) -> str:
    """What a cue shows, as a phrase: "Demo close-up: Mobile layout fixes" → "mobile
    layout fixes". Cues that are stage directions, URLs or numbers are not speakable."""
    subject = cue.rsplit(":", 1)[-1].strip() if ":" in cue else ""
    if any(mark in cue for mark in ("//", "→", ";", "(")):
        return ""
    # Kept as written: after a colon a capital is fine, and it may be a name.
    return subject.rstrip(" .!?") if any(char.isalpha() for char in subject) else ""


def default_filler(section: Section, words_needed: int) -> str:
    """Sentences about the section's subject, none already in it, about ``words_needed``
    words long (a little more is fine: the caller picks whole sentences)."""
    # Intro and call-to-action titles are labels ("Next steps"), not subjects.
    framing = section.scene_type not in (SceneType.INTRO, SceneType.CTA)
    title = inline(section.title) if framing else ""
    cues = [subject for cue in section.visual_cues if (subject := _cue_subject(cue))]
    candidates = [line.format(title=title) for line in _TITLED if title]
    candidates += [line.format(cue=cue) for line, cue in zip(_CUED, cues, strict=False)]
    candidates += list(_BY_SCENE.get(section.scene_type, ())) + list(_GENERAL)
    present = {sentence_key(sentence) for sentence in split_sentences(section.content)}
    chosen: list[str] = []
    words = 0
    for sentence in candidates:
        if words >= words_needed:
            break
        if sentence_key(sentence) in present:
            continue
        present.add(sentence_key(sentence))
        chosen.append(sentence)
        words += count_words(sentence)
    return " ".join(chosen)
