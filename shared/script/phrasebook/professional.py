"""Professional: formal and polished; speaks to business value and return on investment."""

from __future__ import annotations

from shared.script.phrasebook.model import Phrasebook, SceneLines
from shared.script.types import SceneType

PHRASEBOOK = Phrasebook(
    greetings=(
        "Hello {name}, and thank you for watching.",
        "Good day, {name}.",
        "Hello {name}.",
    ),
    anonymous_greetings=(
        "Hello to the team at {company}, and thank you for your time.",
        "Hello, and thank you for watching.",
    ),
    scenes={
        SceneType.INTRO: SceneLines(
            openers=(
                "This short briefing walks through a proposed redesign of the {company} "
                "website.",
                "We have prepared a working demo of a redesigned {company} website.",
                "In this briefing, we walk through a redesigned version of the {company} "
                "website.",
                "This is a short briefing for {company}.",
            ),
            body=(
                "The demo is live at {site}, so everything you see can be reviewed afterwards.",
                "This briefing covers {count} recommendations, in order of priority.",
                "Each recommendation is tied to a specific part of the site.",
                "Our review looked at the points where visitors decide whether to get in "
                "touch.",
                "Our review looked at the site as a customer in {industry} would use it.",
                "Every recommendation comes from our review of the current site.",
            ),
            closers=("Let us begin.", "Here is what we found."),
        ),
        SceneType.PROBLEM: SceneLines(
            openers=(
                "Our review of the current site found several points worth addressing.",
                "We begin with the current site.",
                "Our review found a few points where the current site makes visitors work "
                "harder than they need to.",
            ),
            body=(
                "Visitors who meet friction rarely explain why; they simply leave.",
                "In {industry}, prospects often compare several providers before they commit.",
                "A slow or confusing first impression makes a business harder to choose.",
                "Friction on a website rarely shows up in a single report.",
                "Most visitors form a first impression of a website very early in their visit.",
                "The content of the current site is sound; the way it is delivered holds it "
                "back.",
                "Small obstacles on a website add up over the course of a visit.",
                "A visitor who cannot find the next step usually leaves rather than searches.",
                "First impressions formed online shape how a business is judged.",
            ),
            closers=(
                "Each of these points has a specific remedy in the demo.",
                "The demo addresses each of these points.",
            ),
        ),
        SceneType.SOLUTION: SceneLines(
            openers=("Here is what we recommend.", "Our recommendations follow."),
            body=(
                "Every recommendation in this briefing builds on the content {company} already "
                "has.",
                "Each recommendation can be reviewed on the demo before any decision is made.",
                "Every recommendation can be tracked with the analytics {company} already uses.",
                "The recommendations are ordered by the priority the plan gives them.",
                "Each recommendation addresses a specific point in the visitor's journey.",
                "The demo shows every recommendation in context, page by page.",
            ),
            closers=("Each of these changes is already in place on the demo.",),
        ),
        SceneType.FEATURE: SceneLines(
            openers=("The plan continues with further recommendations.",),
            body=(
                "Each refinement removes an obstacle between a visitor and a decision.",
                "Individually, the refinements are modest; together they shape how the site "
                "feels to use.",
                "Your team keeps full control of the content throughout.",
                "The refinements stay consistent with the existing {company} brand.",
                "Each refinement can be seen on the demo in its final form.",
                "The refinements were chosen with the visitor's next step in mind.",
                "Every refinement in the plan is specific to the {company} website.",
            ),
            closers=("The demo shows each of these refinements in context.",),
        ),
        SceneType.DEMO: SceneLines(
            openers=(
                "Let us now look at the demo itself.",
                "Here is the demo site at {site}.",
            ),
            body=(
                "The demo is a working site, not a static mock-up.",
                "Every page of the demo can be reviewed at your own pace.",
                "The demo keeps the most important actions in view.",
                "The demo is organised around what visitors come to do.",
                "The design of the demo remains faithful to the {company} brand.",
                "Your team can explore the demo at {site} after this video.",
                "The demo can be opened on a phone as easily as on a desktop.",
                "Every recommendation in the plan can be checked on the demo.",
                "The demo is the clearest way to judge the proposal.",
                "Colleagues can review the demo independently and compare notes.",
            ),
            closers=("The demo is the best place to judge the proposal.",),
        ),
        SceneType.COMPARISON: SceneLines(
            openers=(
                "Now consider both versions side by side.",
                "Here is the current site next to the demo.",
            ),
            body=(
                "On the left is the current experience; on the right, the proposed one.",
                "The comparison is most telling on a phone.",
                "The content is the same; the presentation and flow are not.",
                "The current site and the demo both remain available for your team to compare.",
                "The proposed version asks less of the visitor at every stage.",
                "Where the current site asks visitors to search, the demo guides them.",
                "The proposed design presents the same business with greater clarity.",
                "A side-by-side view is the fairest test of any redesign.",
                "Comparing both versions page by page shows where each recommendation "
                "applies.",
                "Small differences at each step add up over a whole visit.",
                "The current site and the demo can be opened side by side at any time.",
            ),
            closers=("The comparison speaks for itself.",),
        ),
        SceneType.OUTRO: SceneLines(
            openers=("To summarise.", "In summary."),
            body=(
                "Together, the recommendations make the website a stronger commercial asset.",
                "Every recommendation is specific, and every recommendation can be measured.",
                "The recommendations reinforce one another.",
                "The recommendations can be taken in the order that suits your priorities.",
                "The aim is a website that supports sales rather than merely describing the "
                "business.",
                "The demo shows that the recommendations are practical, not theoretical.",
                "Every recommendation can be reviewed on the demo before any commitment.",
                "The plan keeps the brand and the content {company} has already built.",
            ),
            closers=("Thank you for your attention.",),
        ),
        SceneType.CTA: SceneLines(
            openers=(
                "The next step is a short conversation.",
                "We would welcome the opportunity to discuss this with you.",
            ),
            body=(
                "The demo remains available at {site}.",
                "We would be glad to set out a rollout plan tailored to {company}.",
                "Reply to this message to arrange a time that suits you.",
                "We will bring a prioritised plan to that conversation.",
                "Questions from your team are welcome in advance.",
                "The proposal can be adapted to your priorities.",
                "A conversation is the best way to agree on priorities.",
                "Your team is welcome to share the demo with colleagues before we speak.",
            ),
            closers=("Thank you for your time.", "We look forward to speaking with you."),
        ),
    },
    overview=SceneLines(
        openers=(
            "Several qualities of the demo deserve attention.",
            "Here is what to look for on the demo.",
        ),
        body=(
            "Look at how the pages are organised around the questions customers ask.",
            "Notice where the most important information sits on each page.",
            "Look at how the calls to action read from page to page.",
            "Open the demo on a phone as well as on a desktop.",
            "Notice how the typography and spacing handle longer pages.",
            "Look at where the contact options appear.",
            "Consider what each page asks the visitor to do next.",
            "Notice how the visual design presents {company}.",
            "Judge the demo as a first-time visitor would.",
        ),
        closers=("Every detail of the demo serves a business outcome.",),
    ),
    tour=(
        "Start on the homepage and look at how it introduces {company}.",
        "From there, the main navigation leads to the pages customers use most.",
        "On the service and product pages, look at what a visitor reads first.",
        "At the end of each page, look for the invitation to take the next step.",
        "On the contact page, look at the ways a visitor can get in touch.",
        "On a phone, the same content is arranged for a narrow screen.",
        "Look at what the forms ask of a visitor.",
        "Look at how each page earns a visitor's trust.",
        "The footer gathers the practical details a visitor looks for.",
        "Skim the headings alone and see whether the offer is still clear.",
        "Look at how the images support the message on each page.",
        "Throughout, the tone follows how {company} presents itself.",
    ),
    general=(
        "The objective throughout is a clearer path from first visit to first enquiry.",
        "Each recommendation was chosen for its relevance to the {company} website.",
        "A clearer website supports every marketing channel that points to it.",
        "Your visitors already want to engage; the site simply needs to make that easy.",
        "Customers in {industry} expect a clear, professional online experience.",
        "A clear website is an opportunity to stand apart in {industry}.",
        "The recommendations respect the brand and content {company} has already built.",
        "Buying decisions are increasingly made online, well before the first phone call.",
        "We have kept every recommendation practical and specific.",
        "Progress can be followed with the analytics you already have.",
        "First impressions formed online shape the customer relationship.",
        "A well-run website earns trust quietly, page by page.",
        "Every recommendation has been built into the demo, so nothing here is "
        "hypothetical.",
        "Clear structure serves visitors and search engines alike.",
        "The website should reflect the quality of the service behind it.",
        "Clarity is the most reliable way to turn interest into enquiries.",
        "The website is often the first conversation a prospect has with {company}.",
        "Customers reward businesses that make decisions easy.",
        "Every page should have a defined role in the customer journey.",
        "Results can be reviewed against the current site after launch.",
        "The plan favours established practice over experiments.",
        "A website is judged by what a visitor can do with it.",
        "The best websites answer a visitor's questions in the order they arise.",
        "A visitor should always know where they are and what to do next.",
        "A redesign is most useful when it starts from what customers actually need.",
        "Good structure makes a website easier to maintain as well as to use.",
    ),
    strategy=(
        "The strategy is straightforward: {strategy}.",
        "The guiding objective: {strategy}.",
        "Put simply, the goal is this: {strategy}.",
    ),
    first_lead_ins=(
        "Our first recommendation: {title}.",
        "The priority recommendation: {title}.",
    ),
    next_lead_ins=(
        "The next recommendation: {title}.",
        "We also recommend the following: {title}.",
        "A further priority: {title}.",
    ),
    follow_ons=(
        "In addition: {title}.",
        "A further recommendation: {title}.",
        "We also propose the following: {title}.",
        "Alongside this: {title}.",
        "Also recommended: {title}.",
        "Furthermore: {title}.",
    ),
    metric_lines=(
        "In measurable terms, {change}.",
        "The plan's figures: {change}.",
        "On the figures, {change}.",
    ),
    current_lines=("At present, {current}.", "Today, {current}."),
    problem_lists=(
        "The points to address: {titles}.",
        "The priorities: {titles}.",
    ),
    benefits={
        "performance": (
            "Faster pages give prospective customers less reason to leave.",
            "Page speed is also one of the signals search engines consider.",
        ),
        "conversion": (
            "This shortens the path from interest to action.",
            "Fewer steps leave fewer places for a customer to abandon the process.",
        ),
        "mobile": (
            "Many visitors arrive on a phone, so this concerns a large share of traffic.",
            "A site that works well on a phone respects its customers' time.",
        ),
        "ux": (
            "A clearer experience reduces hesitation at the moments that matter.",
            "Visitors who find what they need are more likely to take the next step.",
        ),
        "seo": (
            "Better search presence brings in visitors who are already looking.",
            "Search engines favour clear, structured information.",
        ),
        "trust": (
            "Visible reassurance helps cautious buyers before they speak to your team.",
            "Clear answers to common concerns make the decision easier.",
        ),
        "messaging": (
            "Clear messaging helps the right prospects recognise themselves.",
            "When the value is stated plainly, fewer visitors leave undecided.",
        ),
        "accessibility": (
            "Accessible design opens the site to more people.",
            "It improves the experience for every visitor, not only those who need it most.",
        ),
        "general": (
            "This supports the overall goal of a more effective website.",
            "It is a practical step with a clear business rationale.",
            "The benefit is felt across the whole customer journey.",
        ),
    },
    high_impact=(
        "The plan rates this as a high-impact change.",
        "This is one of the changes the plan marks as high impact.",
    ),
    demo_pointers=(
        "On the demo, note this change in place: {title}.",
        "Observe how the demo handles the following: {title}.",
        "Also visible here: {title}.",
    ),
    comparison_metric=(
        "{Title}: {change}.",
        "Side by side, {change}.",
    ),
    comparison_plain=(
        "Compare both versions on this point: {title}.",
        "The comparison is equally clear here: {title}.",
    ),
    recaps=(
        "To recap, the recommendations are {titles}.",
        "The plan in brief: {titles}.",
    ),
    section_titles={
        SceneType.INTRO: "Introduction",
        SceneType.PROBLEM: "Where the current site falls short",
        SceneType.DEMO: "Inside the demo site",
        SceneType.COMPARISON: "Current site and demo compared",
        SceneType.OUTRO: "Summary",
        SceneType.CTA: "Next steps",
    },
    overview_titles={
        SceneType.DEMO: "A guided tour of the demo site",
        SceneType.FEATURE: "What visitors will notice",
        SceneType.COMPARISON: "Current site and demo compared",
        SceneType.OUTRO: "Summary",
    },
    audience="Owners and marketing decision-makers at {company}",
    audience_with_industry="Owners and marketing decision-makers at {company}, in {industry}",
    camera_pacing="Measured pacing with smooth, unhurried transitions.",
    change_verbs={"down": "falls", "up": "rises", "same": "holds", "unknown": "moves"},
    cta_button="Schedule a consultation",
)
