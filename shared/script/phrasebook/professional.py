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
                "This short briefing shows how the {company} website can deliver more "
                "measurable business value.",
                "We have prepared a working demo that shows where the {company} website can "
                "generate a stronger return.",
                "In the next few minutes, we will walk through a redesigned version of the "
                "{company} website.",
                "This is a short briefing for {company}.",
            ),
            body=(
                "The demo is live at {site}, so everything you see can be reviewed afterwards.",
                "We have identified {count} recommendations, ordered by the value they are "
                "expected to return.",
                "Each recommendation is tied to a clear business outcome.",
                "Our review focused on the moments when visitors decide whether to engage.",
                "For a business in {industry}, those moments carry real commercial weight.",
                "Nothing here requires a complete rebuild.",
            ),
            closers=("Let us begin.", "Here is what we found."),
        ),
        SceneType.PROBLEM: SceneLines(
            openers=(
                "Today, the website is leaving value on the table.",
                "Several issues on the current site are quietly limiting results.",
                "Our review found a few points where the current site loses prospective "
                "customers.",
            ),
            body=(
                "Visitors who meet friction rarely explain why; they simply leave.",
                "Each of these issues has a measurable cost in lost enquiries.",
                "In {industry}, prospects compare several providers before they commit.",
                "A slow or confusing first impression makes that comparison harder to win.",
                "The cost rarely appears in a single report, but it compounds month after "
                "month.",
                "These are not cosmetic concerns; they affect revenue.",
                "Most visitors form a judgement within seconds.",
                "None of these issues is unusual, and none of them is difficult to resolve.",
                "The content itself is sound; the way it is delivered holds it back.",
            ),
            closers=(
                "Each issue has a clear and affordable remedy.",
                "Fortunately, every one of these issues can be addressed.",
            ),
        ),
        SceneType.SOLUTION: SceneLines(
            openers=("Here is what we recommend.", "Our recommendations follow."),
            body=(
                "The change is straightforward to implement and easy to measure.",
                "It builds on the content {company} already has.",
                "The investment is modest relative to the expected return.",
                "Results can be tracked from the first week.",
                "It also strengthens the foundation for later improvements.",
                "This is the kind of improvement that pays for itself.",
            ),
            closers=("Each of these changes is already in place on the demo.",),
        ),
        SceneType.FEATURE: SceneLines(
            openers=("The plan continues with further refinements.",),
            body=(
                "Each refinement removes a small obstacle between a visitor and a decision.",
                "Individually, these refinements are modest; together they change how the site "
                "performs.",
                "The refinements can be introduced in stages without disrupting daily operations.",
                "Every refinement follows established best practice.",
                "Your team keeps full control of the content throughout.",
                "Visitors will notice a smoother experience, even if they cannot say why.",
                "The refinements are consistent with the existing {company} brand.",
            ),
            closers=("The demo shows each of these refinements in context.",),
        ),
        SceneType.DEMO: SceneLines(
            openers=(
                "Let us now look at the demo itself.",
                "Here is the demo site at {site}.",
            ),
            body=(
                "The demo is fully working, not a static mock-up.",
                "Every page can be reviewed at your own pace.",
                "The layout keeps the most important actions in view.",
                "Content is organised around what visitors came to do.",
                "Navigation has been simplified, so key pages are a single step away.",
                "The pages load promptly on desktop and mobile alike.",
                "The design remains faithful to the {company} brand.",
                "Your team can explore it at {site} after this video.",
                "Headings and calls to action now follow a consistent hierarchy.",
                "Contact details and next steps are visible without searching.",
            ),
            closers=("The experience speaks for itself.",),
        ),
        SceneType.COMPARISON: SceneLines(
            openers=(
                "Now consider the two versions side by side.",
                "Here is the current site next to the demo.",
            ),
            body=(
                "On the left is the current experience; on the right, the proposed one.",
                "The contrast is most visible on a phone.",
                "The content is the same; the presentation and flow are not.",
                "Small differences at each step add up across thousands of visits.",
                "Both versions remain available for your team to compare directly.",
                "The proposed version asks less of the visitor at every stage.",
                "The difference is clear within the first few seconds.",
                "Where the current site asks visitors to search, the demo guides them.",
                "Visitors reach the information they need in fewer steps.",
                "The proposed design presents the same business with greater authority.",
                "The improvements are visible even at a brief glance.",
            ),
            closers=("The case for change is clear.",),
        ),
        SceneType.OUTRO: SceneLines(
            openers=("To summarise.", "In summary."),
            body=(
                "Together, these changes make the website a stronger commercial asset.",
                "Every change is achievable, and every change is measurable.",
                "The improvements reinforce one another, so the benefit compounds.",
                "The changes can be delivered in stages to suit your priorities.",
                "The result is a website that supports sales rather than merely describing "
                "the business.",
                "The demo shows that the improvements are practical, not theoretical.",
                "Taken together, they position {company} ahead of its competitors online.",
                "The investment is modest; the potential return is considerable.",
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
                "We can set out a rollout plan and timeline tailored to {company}.",
                "Thirty minutes is enough to agree priorities.",
                "Reply to this message to arrange a time that suits you.",
                "There is no obligation, only a clear plan.",
                "We will bring a prioritised implementation schedule to that conversation.",
                "Questions from your team are welcome in advance.",
                "The proposal can be adapted to your budget and timeline.",
            ),
            closers=("Thank you for your time.", "We look forward to speaking with you."),
        ),
    },
    overview=SceneLines(
        openers=(
            "Several qualities of the new site stand out.",
            "Visitors will notice the difference immediately.",
        ),
        body=(
            "Pages are organised around the questions customers actually ask.",
            "The most important information appears first, without scrolling.",
            "Calls to action are clear, consistent and easy to find.",
            "The site reads comfortably on a phone as well as on a desktop.",
            "Typography and spacing make longer pages easy to scan.",
            "Contact options are visible wherever a visitor might need them.",
            "Each page has a single, clear purpose.",
            "The visual design conveys the professionalism of {company}.",
            "Short loading times keep attention where it belongs.",
        ),
        closers=("Each of these qualities supports a measurable business outcome.",),
    ),
    tour=(
        "The homepage now states, in one sentence, what {company} does and for whom.",
        "From there, the main navigation leads directly to the pages customers use most.",
        "Service and product pages open with the benefit, followed by the detail.",
        "Each page ends with a clear invitation to take the next step.",
        "The contact page offers several ways to get in touch, each one obvious.",
        "On a phone, the same content reorganises into a single, readable column.",
        "Forms ask only for what is genuinely needed.",
        "Testimonials and credentials appear where a cautious visitor looks for reassurance.",
        "The footer gathers the practical details: hours, location and contact information.",
        "Headings are written so that a visitor skimming the page still understands the offer.",
        "Images support the message rather than competing with it.",
        "Throughout, the tone is consistent with how {company} presents itself in person.",
    ),
    general=(
        "The objective throughout is a measurable return on every change.",
        "Each recommendation was chosen for its impact relative to its cost.",
        "A better website lowers the cost of every marketing channel that points to it.",
        "Your visitors already want to engage; the site simply needs to make that easy.",
        "Customers in {industry} expect a clear, professional online experience.",
        "This is an opportunity to stand apart from competitors in {industry}.",
        "The changes respect the brand and content {company} has already built.",
        "None of this depends on a larger advertising budget.",
        "Buying decisions are increasingly made online, well before the first phone call.",
        "Even a modest lift in conversion has a meaningful effect on annual revenue.",
        "Implementation can be phased to suit your team's priorities.",
        "We have kept every recommendation practical and specific.",
        "Progress is easy to measure with the analytics you already have.",
        "A clearer website also reduces the routine enquiries your staff must handle.",
        "First impressions formed online shape the entire customer relationship.",
        "The improvements are designed to last, not to follow a passing trend.",
        "A well-run website earns trust quietly, page by page.",
        "The same traffic, converted more effectively, is the most economical growth "
        "available.",
        "Every change has been built into the demo, so nothing here is hypothetical.",
        "Maintenance after launch remains simple for your team.",
        "Clear structure benefits visitors and search engines in equal measure.",
        "The website should reflect the quality of the service behind it.",
        "Well-chosen improvements reduce risk as well as increasing revenue.",
        "Competitors who invest in their websites set the standard customers expect.",
        "The plan favours proven approaches over experiments.",
        "Clarity is the most reliable way to convert interest into enquiries.",
        "The website is often the first conversation a prospect has with {company}.",
        "A modest investment here supports every other sales and marketing effort.",
        "The improvements rest on established practice, not on guesswork.",
        "Customers reward businesses that make decisions easy.",
        "Every page now has a defined role in the customer journey.",
        "The work is designed to be maintained comfortably by your existing team.",
        "Results can be reviewed against clear benchmarks after launch.",
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
        "The expected result: {change}.",
        "On the figures, {change}.",
    ),
    current_lines=("At present, {current}.", "Today, {current}."),
    problem_lists=(
        "Our review identified {count} areas to address: {titles}.",
        "The priorities: {titles}.",
    ),
    benefits={
        "performance": (
            "Faster pages keep prospective customers engaged and reduce costly drop-off.",
            "Speed also influences search ranking, so the benefit extends to visibility.",
        ),
        "conversion": (
            "This shortens the path from interest to enquiry, which is where revenue is won.",
            "Fewer steps mean more completed actions and a lower cost per acquisition.",
        ),
        "mobile": (
            "Most visitors now arrive on a phone, so this affects the majority of traffic.",
            "A site that works well on mobile signals a business that values its customers' "
            "time.",
        ),
        "ux": (
            "A clearer experience reduces hesitation at the moments that matter.",
            "Visitors who find what they need quickly are far more likely to take the next "
            "step.",
        ),
        "seo": (
            "Better search presence brings in qualified visitors at no additional media cost.",
            "Search engines reward clear, structured information with richer results.",
        ),
        "trust": (
            "Visible reassurance persuades cautious buyers before they speak to your team.",
            "Clear answers to risk questions shorten the sales cycle.",
        ),
        "messaging": (
            "Clear messaging helps the right prospects recognise themselves immediately.",
            "When the value is stated plainly, fewer visitors leave undecided.",
        ),
        "accessibility": (
            "Accessible design widens the audience and reduces legal risk.",
            "It improves the experience for every visitor, not only those who need it most.",
        ),
        "general": (
            "This supports the overall goal of a more effective website.",
            "It is a practical step with a clear business rationale.",
            "The benefit is felt across the whole customer journey.",
        ),
    },
    high_impact=(
        "This is one of the highest-value changes in the plan.",
        "We expect this change to deliver a substantial return.",
    ),
    roundups=(
        "This part of the plan also covers {titles}.",
        "The plan further includes {titles}.",
        "Smaller refinements in this area: {titles}.",
        "Also covered here: {titles}.",
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
        "The difference is equally clear here: {title}.",
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
