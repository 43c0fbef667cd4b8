"""Re-measure espeak-ng's real speaking rate: ``python -m tests.shared.tts.espeak_calibration``.

This is how :data:`shared.tts.espeak.RATE_CALIBRATION` was chosen, kept runnable so the
number can be re-checked after an espeak-ng upgrade or for another voice
(``--voice en-gb``). For each style it speaks a corpus of script prose cut at sentence
boundaries into sections of about 20, 40, 80, 150 and 300 words, plus the sections of
``sample_scripts.py``, at the nominal rate ``-s wpm`` (or ``--factor``), and prints the WAV
duration over the planned length ``words / wpm x 60``. The geometric mean is the factor
to multiply the rate by; the range is what no constant can remove.
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from shared.tts.espeak import EspeakEngine
from shared.tts.wav import wav_duration_seconds
from tests.shared.tts.sample_scripts import SPEC_WPM, build_script

# Script prose in the registers the four styles produce: figures, product names, long
# technical words and runs of short everyday words.
CORPUS: tuple[str, ...] = (
    (
        'Welcome to a quick look at what we built for Northwind Outfitters. Your store already '
        'has loyal customers, and in the next two minutes I will show you three changes that '
        'could turn more of your visitors into buyers.'
    ),
    (
        'Right now your home page takes almost five seconds to show its main image on a phone. '
        'Most shoppers leave before it finishes loading, which means you are paying for traffic'
        ' that never sees your products.'
    ),
    (
        'We compressed the hero images, served them in modern formats, and deferred the scripts'
        ' that were blocking the page. The largest contentful paint dropped from 4.8 seconds to'
        ' 1.9 seconds on a mid-range phone.'
    ),
    (
        'Next, the checkout. Today it asks for an account before payment, and about a third of '
        'carts are abandoned at that step. Our version offers guest checkout, saves the address'
        ' automatically, and shows the total, including shipping, on the very first screen.'
    ),
    (
        'For your developers, the changes are small and reversible. Images go through a build '
        "step, the checkout form uses the payment provider's hosted fields, and every change "
        'ships behind a feature flag, so you can roll it out gradually and measure the impact '
        'yourself.'
    ),
    (
        'If you would like to see the demo site running on your own catalogue, reply to this '
        'email or book a fifteen minute call. We will walk through the numbers together and '
        'leave you with a plan you can use whether or not you work with us.'
    ),
    (
        'Good morning. This is a short walkthrough of the improvements we prepared for Bright '
        'Smile Dental. Patients search for a dentist on their phones, usually in a hurry, and '
        'the first thirty seconds on your site decide whether they call you or the practice '
        'down the street.'
    ),
    (
        'The booking page is the biggest opportunity. It currently opens a PDF form that '
        'patients have to print, fill in, and bring along. We replaced it with a three step '
        'online form that works on any phone and sends a confirmation by text message.'
    ),
    (
        'Your service pages also rank below competitors for searches like emergency dentist '
        'near me. We rewrote the headings, added structured data for opening hours and '
        'insurance, and linked each service from the home page, so search engines understand '
        'what you offer.'
    ),
    (
        "Let's talk architecture. The current SaaS dashboard renders every widget on the server"
        ' and ships a four megabyte bundle. We split the bundle by route, cached the account '
        'summary at the edge, and moved the heavy reports into a background job with a progress'
        ' indicator.'
    ),
    (
        'The result is measurable. Time to interactive fell from 7.2 seconds to 2.4 seconds, '
        'the API handles twice the requests per second on the same hardware, and error rates on'
        ' the reports endpoint went from three percent to well under half a percent.'
    ),
    (
        'Imagine every visitor who lands on your pricing page today actually finishing the sign'
        ' up. That is what this redesign is about. Clear plans, one obvious button, and social '
        'proof right where people hesitate. Teams like yours have seen trial starts jump by '
        'forty percent in a month.'
    ),
    (
        'Security matters too. We added a content security policy, moved session cookies to '
        'secure and HTTP only, and put rate limits on the login form. None of it changes how '
        'the site looks, but it closes the doors that automated attacks knock on every single '
        'day.'
    ),
    (
        'So here is the summary. Faster pages, a checkout that does not get in the way, and '
        'content that search engines can read. Each change stands on its own, and together they'
        ' make the site work as hard as your team does. Thanks for watching, and I look forward'
        ' to hearing from you.'
    ),
)

SECTION_SIZES = (20, 40, 80, 150, 300)


def sections(target_words: int) -> list[str]:
    """The corpus cut into consecutive whole-sentence sections of about ``target_words``."""
    sentences = [s for paragraph in CORPUS for s in re.split(r"(?<=[.!?])\s+", paragraph)]
    out: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        current.append(sentence)
        if sum(len(s.split()) for s in current) >= target_words:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return [text for text in out if len(text.split()) >= 15]


def texts() -> list[str]:
    found = [text for size in SECTION_SIZES for text in sections(size)]
    found += [s.content for style in SPEC_WPM for s in build_script(style).sections]
    return found


def measure(binary: str, voice: str, text: str, rate: int, out: Path) -> float:
    subprocess.run(
        [binary, "-v", voice, "-s", str(rate), "-w", str(out)],
        input=text.encode(), check=True, capture_output=True,
    )
    return wav_duration_seconds(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voice", default="en-us")
    parser.add_argument("--factor", type=float, default=1.0, help="-s = wpm x factor")
    parser.add_argument(
        "--engine", action="store_true",
        help="measure EspeakEngine itself (calibrated and fitted) instead of raw -s",
    )
    args = parser.parse_args()
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SystemExit("espeak-ng is not installed")
    corpus = texts()
    engine = EspeakEngine(args.voice)
    words = [len(t.split()) for t in corpus]
    print(f"{len(corpus)} sections of {min(words)}-{max(words)} words, voice {args.voice}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.wav"
        for style, wpm in SPEC_WPM.items():
            rate = round(wpm * args.factor)
            ratios = []
            for text in corpus:
                if args.engine:
                    engine.synthesize(text, words_per_minute=wpm, out_path=out)
                    seconds = wav_duration_seconds(out)
                else:
                    seconds = measure(binary, args.voice, text, rate, out)
                ratios.append(seconds / (len(text.split()) / wpm * 60))
            geo = math.exp(statistics.fmean(math.log(r) for r in ratios))
            how = "EspeakEngine" if args.engine else f"-s {rate}"
            print(
                f"{style.value:12} {wpm} wpm, {how}: measured/planned geo-mean "
                f"{geo:.3f}, median {statistics.median(ratios):.3f}, "
                f"range {min(ratios):.3f}-{max(ratios):.3f}"
            )


if __name__ == "__main__":
    main()
