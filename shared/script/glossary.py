"""Web jargon a business owner should not have to decode (§5.5).

Plans are written by people who audit websites, so their titles, descriptions and metric
labels say "LCP" and "WebP". The technical style keeps those words; the other styles
either avoid a term (a metric label is replaced by its plain name: "LCP falls from 5.1
seconds to 2.0" becomes "load time falls …") or explain it once, on first use, with a
short sentence of general knowledge that claims nothing about the lead's site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.script.types import Style


@dataclass(frozen=True)
class Term:
    name: str  # how the term is written, for messages and tests
    pattern: re.Pattern[str]
    plain: str  # a plain-English noun phrase that can stand in for it in a metric label
    explanation: str  # one sentence, said after the first sentence that uses the term


def _term(name: str, pattern: str, plain: str, explanation: str) -> Term:
    return Term(name, re.compile(pattern, re.IGNORECASE), plain, explanation)


TERMS: tuple[Term, ...] = (
    _term("LCP", r"\bLCP\b|\blargest contentful paint\b", "page load time",
          "Largest contentful paint, or LCP, is the time until the main content of a page "
          "appears."),
    _term("CLS", r"\bCLS\b|\bcumulative layout shift\b", "layout shift score",
          "Layout shift measures how much a page jumps around while it loads."),
    _term("INP", r"\bINP\b|\binteraction to next paint\b", "response time to taps and clicks",
          "Interaction to next paint measures how quickly a page responds to a tap or "
          "click."),
    _term("FID", r"\bFID\b|\bfirst input delay\b", "delay before the first tap responds",
          "First input delay is the wait before a page reacts to the first tap or click."),
    _term("TTFB", r"\bTTFB\b|\btime to first byte\b", "server response time",
          "Time to first byte is how long the server takes to start answering."),
    _term("FCP", r"\bFCP\b|\bfirst contentful paint\b", "time to first content",
          "First contentful paint is the moment anything at all appears on screen."),
    _term("TBT", r"\bTBT\b|\btotal blocking time\b", "time the page is frozen",
          "Total blocking time is how long a page is too busy to respond."),
    _term("TTI", r"\bTTI\b|\btime to interactive\b", "time until the page responds",
          "Time to interactive is the moment a page starts responding to the visitor."),
    _term("WebP", r"\bWebP\b", "a lighter image format",
          "WebP is an image format that keeps photos sharp at a fraction of the file size."),
    _term("AVIF", r"\bAVIF\b", "a lighter image format",
          "AVIF is an image format that keeps photos sharp at a fraction of the file size."),
    _term("CDN", r"\bCDNs?\b|\bcontent delivery network\b", "content delivery network",
          "A content delivery network keeps copies of a site close to its visitors."),
    _term("lazy-loading", r"\blazy[- ]?load(?:ing|ed|s)?\b", "loading images on demand",
          "Lazy loading means images load only when a visitor scrolls to them."),
    _term("server-side rendering", r"\bserver[- ]side render(?:ing|ed)?\b|\bSSR\b",
          "pages built on the server",
          "Server-side rendering means the page arrives ready to read instead of being "
          "assembled in the browser."),
    _term("structured data", r"\bstructured (?:product )?data\b|\bschema markup\b|\bJSON-LD\b",
          "search-friendly product details",
          "Structured data is a label search engines read to understand what a page offers."),
    _term("Core Web Vitals", r"\bCore Web Vitals\b", "Google's page experience scores",
          "Core Web Vitals are Google's measures of how fast and stable a page feels."),
    _term("WCAG", r"\bWCAG\b", "accessibility guidelines",
          "WCAG is the common standard for websites that everyone can use."),
    _term("ARIA", r"\bARIA\b", "screen reader labels",
          "ARIA labels tell screen readers what each control does."),
)


def explains(style: Style) -> bool:
    """Whether a style's audience needs jargon explained (every style but technical)."""
    return Style(style) is not Style.TECHNICAL


def terms_in(text: str) -> list[Term]:
    """Glossary terms ``text`` uses, in glossary order."""
    return [term for term in TERMS if term.pattern.search(text)]


def plain_label(text: str) -> str:
    """A metric string with its jargon replaced by plain names: "5.1s LCP" → "5.1s main
    content load time"."""
    for term in TERMS:
        text = term.pattern.sub(term.plain, text)
    return text
