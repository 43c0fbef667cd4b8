"""Technical: precise and developer-focused; implementation, architecture and metrics."""

from __future__ import annotations

from shared.script.phrasebook.model import Phrasebook, SceneLines
from shared.script.types import SceneType

PHRASEBOOK = Phrasebook(
    greetings=("Hi {name}.", "Hello {name}."),
    anonymous_greetings=("Hello to the {company} engineering team.", "Hi, {company} team."),
    scenes={
        SceneType.INTRO: SceneLines(
            openers=(
                "This is a technical walkthrough of the proposed changes to the {company} "
                "website.",
                "Here's an engineering view of the {company} demo build.",
                "We'll go through the implementation behind the {company} demo, change by "
                "change.",
                "A short technical tour of the {company} demo.",
            ),
            body=(
                "The demo build is deployed at {site}.",
                "We'll cover {count} changes, ordered by expected impact.",
                "Each change is scoped and tied to a specific part of the site.",
                "The focus is implementation detail and measurable outcomes.",
                "Where the plan gives a number, we quote it as the plan states it.",
                "Every change can be inspected in the demo build.",
            ),
            closers=("Let's get into it.", "Starting with the baseline."),
        ),
        SceneType.PROBLEM: SceneLines(
            openers=(
                "First, the baseline.",
                "Here's what the current implementation gets wrong.",
                "Let's start with the current state of the site.",
            ),
            body=(
                "The issues in the current build are structural rather than cosmetic.",
                "Field data from real users is the reference for every issue in scope.",
                "A slow render delays every interaction after it.",
                "Defaults that were never revisited are a common source of issues like "
                "these.",
                "In {industry}, friction in the front end shows up in conversion metrics.",
                "Diagnosing the current build needs only standard browser tooling.",
                "Issues in the current build can be reproduced on a mid-range phone over a "
                "throttled connection.",
                "Individually the issues look minor; in a session trace they add up.",
                "The current setup optimises for authoring, not for delivery.",
            ),
            closers=(
                "Each issue maps to a specific fix.",
                "Now the fixes, in priority order.",
            ),
        ),
        SceneType.SOLUTION: SceneLines(
            openers=("Now the implementation.", "Here's how we fix it."),
            body=(
                "Every change works with the existing {company} content and templates.",
                "Each change can be reviewed as its own pull request.",
                "Each change has a measurable effect that can be checked after deploy.",
                "The changes keep the existing content model.",
                "Every change in scope can be profiled in the demo build.",
                "Each change targets one measurable part of the page lifecycle.",
            ),
            closers=("All of this is running in the demo build.",),
        ),
        SceneType.FEATURE: SceneLines(
            openers=("The next group of changes.",),
            body=(
                "Each change is a small, reviewable unit of work.",
                "The changes are independent, so the order of rollout is flexible.",
                "Every change in this group has an explicit metric.",
                "The changes follow current web platform standards.",
                "None of the changes alters the content model.",
                "Regression tests can lock each change in place.",
                "Each change can be verified in the browser's developer tools.",
            ),
            closers=("Each change is visible in the demo build.",),
        ),
        SceneType.DEMO: SceneLines(
            openers=(
                "Now the running demo build at {site}.",
                "Let's look at the demo build itself.",
            ),
            body=(
                "The demo build is running code, not a static mock-up.",
                "Open the network panel on the demo build and compare it with the current "
                "site.",
                "The demo build uses standard, well-supported browser features.",
                "You can profile the demo build yourself at {site}.",
                "Run an audit against the demo build with your own tooling.",
                "Check the demo build on a throttled mobile profile as well as on desktop.",
                "Inspect the markup of the demo build for its heading structure.",
                "Record a performance trace of the demo build and read it alongside the plan.",
                "The demo build is the reference for every change in scope.",
                "Every change in the plan can be located in the demo build.",
            ),
            closers=("The demo build is there to be profiled.",),
        ),
        SceneType.COMPARISON: SceneLines(
            openers=("Now the before and after.", "Here are both builds side by side."),
            body=(
                "Same content, different delivery.",
                "Compare the builds on a throttled mobile connection.",
                "Run the same audit on both builds and compare the traces.",
                "The current site and the demo build both stay available for your own profiling.",
                "Compare request counts and transfer sizes across both builds.",
                "Time to first meaningful content is a good first comparison.",
                "Compare layout stability across both builds.",
                "A side-by-side trace is the fairest comparison.",
                "Run each comparison on the same device and network profile.",
                "Lab numbers are a guide; field data is the real test.",
                "Diff the markup of both builds page by page.",
            ),
            closers=("The traces make the case.",),
        ),
        SceneType.OUTRO: SceneLines(
            openers=("To summarise.", "In summary."),
            body=(
                "Each change is independent and can ship incrementally.",
                "Every change in scope is measurable with standard tooling.",
                "The architecture stays familiar to your team.",
                "Performance budgets can keep the gains from regressing.",
                "Each change has a defined success metric.",
                "The aim is a faster, leaner, more maintainable site.",
                "Every change can be reviewed in the demo build first.",
                "The plan favours standard tooling over custom infrastructure.",
            ),
            closers=("That's the technical picture.",),
        ),
        SceneType.CTA: SceneLines(
            openers=(
                "Next step: a technical review with your team.",
                "If this is useful, let's go deeper.",
            ),
            body=(
                "The demo build is at {site}; profile it yourself.",
                "We can walk your developers through the implementation.",
                "We'll share a rollout plan for {company} with an estimate for each change.",
                "Reply to this message to schedule the review.",
                "Send over any questions from your developers beforehand.",
                "We can also pair with your team on the first change.",
                "A technical review is the best place to agree on scope.",
            ),
            closers=("Thanks for watching.", "Looking forward to the review."),
        ),
    },
    overview=SceneLines(
        openers=(
            "A few implementation details are worth checking.",
            "Here's what to inspect in the build.",
        ),
        body=(
            "Inspect the heading structure of the markup.",
            "Resize the viewport and watch how the layout adapts.",
            "Check the image formats and sizes in the network panel.",
            "Check what blocks the first render.",
            "Tab through the interactive elements with the keyboard.",
            "Watch for layout shift while the fonts load.",
            "Check when third-party scripts load relative to the main content.",
            "Look at the structured data each page exposes.",
            "Submit a form with an error and check how it recovers.",
        ),
        closers=("The browser's developer tools are enough to verify every detail.",),
    ),
    tour=(
        "Start at the homepage and check its first heading.",
        "Check how deep the navigation goes.",
        "Compare the templates of the content pages.",
        "Check the label of the primary action at the end of each page.",
        "Submit the contact form and watch the network panel.",
        "Narrow the viewport below the smallest breakpoint.",
        "Check the input types of the form fields on a phone.",
        "Check where the conversion points sit on each template.",
        "Inspect the footer markup for contact details.",
        "Check that heading levels are sequential.",
        "Check the dimensions and alternative text on the images.",
        "Look at which templates the pages share.",
    ),
    general=(
        "Every change is measured against a clear baseline.",
        "The approach favours standard tooling over custom infrastructure.",
        "Performance budgets keep regressions from creeping back in.",
        "In {industry}, front-end latency is a conversion concern.",
        "Field data from real users is the final test for any change.",
        "The work splits into small, reviewable pull requests.",
        "Where possible, work moves from the browser to build time.",
        "The goal is a site that's fast by default, not fast by accident.",
        "Accessibility and performance improvements tend to reinforce each other.",
        "Third-party scripts deserve an audit of their own.",
        "Lab numbers are a guide, not a verdict.",
        "Each change was chosen for its effect on real users.",
        "A staged rollout behind flags keeps each change measurable.",
        "Core Web Vitals give a shared, objective definition of done.",
        "Every claim here can be checked against the demo build.",
        "Pages should degrade gracefully when JavaScript is unavailable.",
        "Monitoring should be in place from the first release.",
        "Automated accessibility checks belong in the build.",
        "A smaller payload is easier to keep fast.",
        "Measure first, then optimise.",
        "Semantic markup serves users, assistive technology and crawlers alike.",
        "Shared templates mean a fix in one place applies site-wide.",
        "The critical rendering path deserves a budget of its own.",
        "Good defaults beat clever exceptions.",
        "Each change should come with a way to measure it.",
        "Nothing in scope depends on a platform migration.",
    ),
    strategy=(
        "The engineering objective: {strategy}.",
        "Stated as a requirement: {strategy}.",
        "The overall goal: {strategy}.",
    ),
    first_lead_ins=("Change one: {title}.", "Highest priority: {title}."),
    next_lead_ins=("Next change: {title}.", "Moving on: {title}.", "Next in scope: {title}."),
    follow_ons=(
        "Also in this group: {title}.",
        "Related change: {title}.",
        "Next item: {title}.",
        "Then: {title}.",
        "Additionally: {title}.",
        "One more item: {title}.",
    ),
    metric_lines=(
        "The target metric: {change}.",
        "In numbers, {change}.",
        "Quantified, {change}.",
    ),
    current_lines=("Current baseline: {current}.", "As deployed today, {current}."),
    problem_lists=(
        "The audit points to these action items: {titles}.",
        "In scope: {titles}.",
    ),
    benefits={
        "performance": (
            "Smaller payloads cut transfer time and free the main thread sooner.",
            "Core Web Vitals are also one of the signals search engines consider.",
        ),
        "conversion": (
            "Fewer steps between intent and completion means fewer drop-off points in the "
            "funnel.",
            "Each removed step is one less place for validation errors and timeouts.",
        ),
        "mobile": (
            "Responsive breakpoints and proper tap targets address the mobile layout at "
            "the source.",
            "Tap targets should be sized for touch, not for a mouse pointer.",
        ),
        "ux": (
            "The interaction model gets simpler, with fewer states to reason about.",
            "Clear affordances reduce misclicks.",
        ),
        "seo": (
            "Structured data gives crawlers machine-readable facts instead of guesses.",
            "Server-rendered content is easier for crawlers to index.",
        ),
        "trust": (
            "Security and compliance details belong where evaluators look for them.",
            "Clear technical answers make a security review easier.",
        ),
        "messaging": (
            "A clear content structure helps both users and crawlers.",
            "Copy tied to evidence is easier to test and iterate.",
        ),
        "accessibility": (
            "Semantic markup and proper contrast improve screen reader and keyboard support.",
            "It also moves the site closer to WCAG conformance.",
        ),
        "general": (
            "The change can be verified in isolation.",
            "It can be rolled back on its own if needed.",
            "It removes a known source of friction.",
        ),
    },
    high_impact=(
        "The plan rates this item as high impact.",
        "This is one of the plan's high-impact items.",
    ),
    demo_pointers=(
        "Implemented here: {title}.",
        "In the build, note this change: {title}.",
        "Also live in this build: {title}.",
    ),
    comparison_metric=("{Title}: {change}.", "Under identical conditions, {change}."),
    comparison_plain=(
        "Compare this change across both builds: {title}.",
        "Diff both builds on this item: {title}.",
    ),
    recaps=(
        "In summary, the changes are {titles}.",
        "Recap of the implementation: {titles}.",
    ),
    section_titles={
        SceneType.INTRO: "Scope of this walkthrough",
        SceneType.PROBLEM: "Baseline: the current implementation",
        SceneType.DEMO: "The demo build",
        SceneType.COMPARISON: "Before and after, measured",
        SceneType.OUTRO: "Technical summary",
        SceneType.CTA: "Technical review",
    },
    overview_titles={
        SceneType.DEMO: "Walkthrough of the demo build",
        SceneType.FEATURE: "Implementation highlights",
        SceneType.COMPARISON: "Before and after, measured",
        SceneType.OUTRO: "Technical summary",
    },
    audience="Web developers and technical leads at {company}",
    audience_with_industry="Web developers and technical leads at {company} ({industry})",
    camera_pacing="Hold long enough for on-screen numbers to be read; zoom in for detail.",
    change_verbs={"down": "decreases", "up": "increases", "same": "holds", "unknown": "moves"},
    cta_button="Book a technical review",
)
