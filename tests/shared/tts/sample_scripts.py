"""Hand-written scripts, one per style, shaped like what the script engine produces.

The timing tests need real English of realistic density (numbers, product names, long
technical words, short filler words) rather than repeated lorem ipsum: espeak-ng's real
pace depends on syllables per word, so only realistic text says whether the calibration
holds. Each section's ``duration_seconds`` is its spoken length at the style's words per
minute (§3.5), which is what the pipeline stores after its timing pass.
"""

from __future__ import annotations

from shared.script.types import SceneType, Script, Section, Style

# Same numbers as §3.4; duplicated on purpose so the tests check the engine against the
# spec rather than against whatever the implementation happens to use.
SPEC_WPM: dict[Style, int] = {
    Style.PROFESSIONAL: 150,
    Style.CASUAL: 160,
    Style.TECHNICAL: 130,
    Style.SALES: 165,
}

_TEXTS: dict[Style, list[tuple[SceneType, str, str]]] = {
    Style.PROFESSIONAL: [
        (
            SceneType.INTRO,
            "Welcome",
            "Good morning, Dana. This is a short walkthrough of the improvements we "
            "prepared for Northwind Outfitters, and of what they could mean for your "
            "online revenue this season.",
        ),
        (
            SceneType.PROBLEM,
            "Where the store loses buyers",
            "Right now your home page takes almost five seconds to show its main image on "
            "a phone. Most shoppers leave before it finishes loading, which means you are "
            "paying for traffic that never sees your products. Checkout is the second "
            "leak: it spans four pages, asks for an account before payment, and seven out "
            "of ten carts are abandoned along the way.",
        ),
        (
            SceneType.SOLUTION,
            "A faster, simpler path to purchase",
            "We compressed the hero and gallery images, served them in modern formats, and "
            "deferred the scripts that were blocking the page. On a mid-range phone the "
            "largest image now appears in under two seconds. Checkout became a single page "
            "with guest checkout and wallet payments, so a returning customer can finish "
            "an order in less than a minute.",
        ),
        (
            SceneType.CTA,
            "Next step",
            "If you would like to see the demo running on your own catalogue, reply to "
            "this email or book a fifteen minute call. We will review the numbers together "
            "and leave you with a plan you can act on.",
        ),
    ],
    Style.CASUAL: [
        (
            SceneType.INTRO,
            "Hey there",
            "Hi Sam! I took a look at the Bright Smile Dental website and put together a "
            "few quick ideas. Grab a coffee, this will only take a couple of minutes.",
        ),
        (
            SceneType.PROBLEM,
            "Booking is harder than it should be",
            "Here's the thing. When someone has a toothache, they pull out their phone and "
            "want to book right away. Your booking page opens a PDF form that they have to "
            "print, fill in, and bring along. Honestly, most people just give up and call "
            "the next practice on the list.",
        ),
        (
            SceneType.SOLUTION,
            "Booking in three taps",
            "So we built a simple three step form that works on any phone. Pick a time, add "
            "your details, and you get a text message confirming the appointment. We also "
            "moved your opening hours and accepted insurance plans right onto the home "
            "page, because those are the two things patients look for first.",
        ),
        (
            SceneType.CTA,
            "Let's chat",
            "Want to try it yourself? Reply to this email and I'll send you a link to the "
            "demo. No pressure at all, I'm happy to answer questions either way.",
        ),
    ],
    Style.TECHNICAL: [
        (
            SceneType.INTRO,
            "Overview",
            "This walkthrough covers the performance and architecture changes we "
            "prototyped for the Ledgerline dashboard, with measurements taken on the same "
            "hardware before and after.",
        ),
        (
            SceneType.PROBLEM,
            "Current architecture",
            "Today every widget is rendered on the server and the client downloads a four "
            "megabyte JavaScript bundle before anything becomes interactive. The account "
            "summary query runs on every page view, and the monthly reports are generated "
            "synchronously inside the request, which is why the reports endpoint times out "
            "under load.",
        ),
        (
            SceneType.SOLUTION,
            "What we changed",
            "We split the bundle by route and loaded charts on demand, cached the account "
            "summary at the edge with a short expiry, and moved report generation into a "
            "background job that streams progress to the browser. Time to interactive fell "
            "from seven seconds to under three, and the API now sustains twice the request "
            "rate with the error rate below half a percent.",
        ),
        (
            SceneType.CTA,
            "Review the implementation",
            "The branch, the benchmark scripts, and the raw measurements are in the demo "
            "repository. Your engineers can reproduce every number in an afternoon.",
        ),
    ],
    Style.SALES: [
        (
            SceneType.INTRO,
            "Imagine this",
            "Imagine every visitor who lands on your pricing page actually finishing the "
            "sign up. That is exactly what this redesign is built to deliver, starting this "
            "month.",
        ),
        (
            SceneType.PROBLEM,
            "You are losing trials every day",
            "Right now your pricing page shows five plans, three buttons, and a wall of "
            "small print. Visitors hesitate, open a new tab to compare, and never come "
            "back. Every single day that page stays the same, your competitors are signing "
            "up the customers you already paid to attract.",
        ),
        (
            SceneType.SOLUTION,
            "One clear choice",
            "We cut it down to three clear plans, one obvious button, and customer "
            "stories placed right where people hesitate. Teams like yours have seen trial "
            "starts jump by forty percent within a few weeks, and the new page is ready to "
            "go live the moment you say yes.",
        ),
        (
            SceneType.CTA,
            "Act now",
            "Book a call this week and we will launch the new pricing page before your next "
            "campaign. Don't let another month of sign ups slip away.",
        ),
    ],
}


def word_count(text: str) -> int:
    return len(text.split())


def planned_seconds(text: str, wpm: int) -> float:
    return word_count(text) / wpm * 60


def build_script(style: Style) -> Script:
    """A script whose declared durations are the §3.5 spoken lengths of its text."""
    wpm = SPEC_WPM[style]
    sections = tuple(
        Section(
            title=title,
            content=content,
            duration_seconds=max(1, round(planned_seconds(content, wpm))),
            scene_type=scene,
            visual_cues=("demo site",),
        )
        for scene, title, content in _TEXTS[style]
    )
    return Script(style=style, sections=sections, target_audience="site owner")
