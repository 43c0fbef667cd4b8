"""The script engine: LLM first, offline composer as the safety net (§5).

Whatever happens upstream (a provider down, a misconfigured key, a model that will not
follow the schema, a job running out of time) the caller gets a complete script inside the
timing window, plus a record of every LLM call made on the way for the cost ledger. The
engine keeps its own time budget because the Celery threads pool does not enforce task
time limits. One engine serves many threads: per-run state lives in
:class:`~shared.script.llm_calls.LLMRun`, never on the engine.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from shared.config import Settings
from shared.errors import (
    DomainValidationError,
    InvalidReply,
    LLMCallError,
    SpendBudgetExhaustedError,
    TimeBudgetExhausted,
)
from shared.llm.provider import LLMProvider
from shared.llm.retry import Deadline
from shared.llm.routing import Route, override_allowed, routes_for, tier_for_value
from shared.script import prompts
from shared.script.filler import default_filler
from shared.script.llm_calls import CallSink, LLMRun
from shared.script.offline import (
    compose_offline_script,
    compose_offline_section,
    offline_filler,
)
from shared.script.replies import (
    SCRIPT_SCHEMA,
    SECTION_SCHEMA,
    ScriptDraft,
    parse_script_reply,
    parse_section_reply,
)
from shared.script.retime import FitReport, fit_to_window_report
from shared.script.styles import style_guide
from shared.script.timing import (
    Filler,
    SectionSlot,
    TimingOffence,
    count_words,
    duration_window,
    plan_sections,
    slot_for_section,
    timing_offences,
    words_for_seconds,
)
from shared.script.types import (
    CallPurpose,
    DemoSiteInfo,
    GeneratedScript,
    GenerationOptions,
    ImprovementPlan,
    LeadInfo,
    Script,
    Section,
    Style,
)

OFFLINE_MODEL = "offline"
MIN_ADJUSTMENT_WORDS = 3


@dataclasses.dataclass(frozen=True)
class _Inputs:
    plan: ImprovementPlan
    lead: LeadInfo
    demo_site: DemoSiteInfo
    options: GenerationOptions


class ScriptEngine:
    """Writes and rewrites scripts. Thread-safe; build one per process and reuse it."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._provider = LLMProvider(settings) if settings.llm_configured else None

    def close(self) -> None:
        """Release the HTTP connection pool."""
        if self._provider is not None:
            self._provider.close()

    def __enter__(self) -> ScriptEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- full scripts ---------------------------------------------------------------------
    def generate(
        self,
        plan: ImprovementPlan,
        lead: LeadInfo,
        demo_site: DemoSiteInfo,
        options: GenerationOptions,
        *,
        deadline_seconds: float | None = None,
        on_call: CallSink | None = None,
    ) -> GeneratedScript:
        """A script inside the timing window, whatever the provider does.

        LLM trouble never raises: it ends in the offline script with ``fallback_used`` and
        the reason in the metadata, because §4 counts a fallback script as a success.
        ``deadline_seconds`` is the caller's remaining time budget, measured from now.
        ``on_call`` receives each LLM call's record as soon as the call returns, so the
        caller can put it in the cost ledger at once (a worker that dies mid-run has still
        paid for the calls it made).
        """
        started = self._clock()
        inputs = _Inputs(plan, lead, demo_site, options)
        metadata = self._base_metadata(inputs)
        if self._provider is None:
            script = self._offline_script(inputs)
            return self._result(script, None, None, started, metadata)

        run = self._run(deadline_seconds, on_call)
        slots = plan_sections(plan, options)
        guide = style_guide(options.style)
        messages = prompts.generation_messages(guide, plan, lead, demo_site, options, slots)
        found = run.first_success(
            self._routes(inputs), CallPurpose.GENERATE, messages, SCRIPT_SCHEMA,
            lambda content: parse_script_reply(content, options),
        )
        if found is None:
            return self._result(self._offline_script(inputs), None, run, started, metadata)
        route, draft = found
        try:
            script = self._correct_timing(run, route, draft, inputs, slots, metadata)
        except SpendBudgetExhaustedError as refusal:
            # §11: once the budget is spent the job makes no more calls and finishes with
            # the offline script, even with a draft in hand, so every job past the limit
            # ends the same way and says why.
            run.refused_by_budget(route, refusal)
            return self._result(self._offline_script(inputs), None, run, started, metadata)
        offences = timing_offences(script, options.max_duration_seconds)
        if offences:
            # §3.5: what is said must fit; a reply no cut could bring inside is replaced,
            # never stored as it is (the storing function would refuse it anyway).
            run.fallback_reason = (
                "timing: the LLM script could not be brought inside the window even after "
                "cutting it: " + " ".join(offence.message for offence in offences)
            )
            return self._result(self._offline_script(inputs), None, run, started, metadata)
        return self._result(script, route, run, started, metadata)

    # --- one section ----------------------------------------------------------------------
    def regenerate_section(
        self,
        script: Script,
        index: int,
        instructions: str,
        *,
        plan: ImprovementPlan,
        lead: LeadInfo,
        demo_site: DemoSiteInfo,
        options: GenerationOptions,
        deadline_seconds: float | None = None,
        on_call: CallSink | None = None,
    ) -> GeneratedScript:
        """A new script with section ``index`` rewritten and every other one byte-identical.

        ``on_call`` is as for :meth:`generate`.
        """
        started = self._clock()
        count = len(script.sections)
        if not 0 <= index < count:
            raise DomainValidationError(
                "section_index", f"must be between 0 and {count - 1}: the script has {count} "
                "sections"
            )
        if options.style != script.style:  # the script's own style governs its pace
            options = options.model_copy(update={"style": script.style})
        inputs = _Inputs(plan, lead, demo_site, options)
        metadata = {
            **self._base_metadata(inputs), "section_index": index, "instructions": instructions,
        }
        current = script.sections[index]
        slot = slot_for_section(
            plan, script.style, index, current.scene_type, current.title,
            current.duration_seconds, current.content,
        )

        route: Route | None = None
        run: LLMRun | None = None
        section: Section | None = None
        if self._provider is not None:
            run = self._run(deadline_seconds, on_call)
            messages = prompts.regeneration_messages(
                style_guide(script.style), script, slot, lead, demo_site, plan, instructions
            )
            found = run.first_success(
                self._routes(inputs), CallPurpose.REGENERATE_SECTION, messages, SECTION_SCHEMA,
                lambda content: parse_section_reply(content, current.scene_type),
            )
            if found is not None:
                route, section = found
        if section is None:
            others = [s.content for i, s in enumerate(script.sections) if i != index]
            section = compose_offline_section(
                plan, lead, demo_site, options, slot, instructions=instructions, avoid=others
            )

        result, report = self._fit_section(script, index, section, inputs)
        offences = _own_offences(result, index, options.max_duration_seconds)
        if offences and route is not None and run is not None:
            # The model's section cannot be made to fit (§3.5): the offline composer
            # writes it instead, sized to the same slot, and the job says so.
            run.fallback_reason = (
                f"timing: the LLM's section {index} could not be brought inside the window: "
                + " ".join(offence.message for offence in offences)
            )
            route = None
            others = [s.content for i, s in enumerate(script.sections) if i != index]
            section = compose_offline_section(
                plan, lead, demo_site, options, slot, instructions=instructions, avoid=others
            )
            result, report = self._fit_section(script, index, section, inputs)
        if route is not None:
            metadata["timing"] = {"fit": report.as_metadata()}
            metadata["timing_fixed"] = report.words_changed
        _check_others_unchanged(script, result, index)
        return self._result(result, route, run, started, metadata)

    def _fit_section(
        self, script: Script, index: int, section: Section, inputs: _Inputs
    ) -> tuple[Script, FitReport]:
        """``script`` with section ``index`` replaced and fitted; only that one may move."""
        replaced = script.model_copy(
            update={"sections": (*script.sections[:index], section, *script.sections[index + 1:])}
        )
        report = fit_to_window_report(
            replaced, inputs.options.max_duration_seconds, only_index=index,
            filler=self._filler(inputs),
        )
        return report.script, report

    # --- timing -----------------------------------------------------------------------------
    def _correct_timing(
        self,
        run: LLMRun,
        route: Route,
        draft: ScriptDraft,
        inputs: _Inputs,
        slots: Sequence[SectionSlot],
        metadata: dict[str, Any],
    ) -> Script:
        """One corrective LLM pass when the words miss the window, then exact re-timing."""
        options = inputs.options
        script = draft.to_script(options)
        timing: dict[str, Any] = {"draft_words": _words(script), "llm_fix": "not_needed"}
        if not _words_inside_window(script, options.max_duration_seconds):
            messages = prompts.timing_fix_messages(
                style_guide(options.style), draft, _adjustments(draft, slots, options),
                options, prompts.section_plan_payload(inputs.plan, options, slots),
            )
            try:
                fixed = run.call(
                    route, CallPurpose.TIMING_FIX, messages, SCRIPT_SCHEMA,
                    lambda content: parse_script_reply(content, options),
                )
            except (LLMCallError, InvalidReply, TimeBudgetExhausted) as exc:
                timing.update(llm_fix="failed", llm_fix_error=str(exc))
            else:
                script = fixed.to_script(options)
                fits = _words_inside_window(script, options.max_duration_seconds)
                timing["llm_fix"] = "applied" if fits else "insufficient"
        report = fit_to_window_report(
            script, options.max_duration_seconds, filler=self._filler(inputs)
        )
        fitted = report.script
        timing["deterministic_fit"] = fitted.sections != script.sections
        timing["fit"] = report.as_metadata()
        timing["final_words"] = _words(fitted)
        metadata["timing"] = timing
        # For the quality report: did the deterministic fix have to change what is said?
        metadata["timing_fixed"] = report.words_changed
        return fitted

    def _filler(self, inputs: _Inputs) -> Filler:
        """Plan-aware sentences from the offline composer, then neutral ones if it runs dry."""
        from_plan = offline_filler(inputs.plan, inputs.lead, inputs.demo_site, inputs.options)

        def fill(section: Section, words_needed: int) -> str:
            return f"{from_plan(section, words_needed)} {default_filler(section, words_needed)}"

        return fill

    # --- plumbing ---------------------------------------------------------------------------
    def _run(self, deadline_seconds: float | None, on_call: CallSink | None) -> LLMRun:
        assert self._provider is not None
        deadline = Deadline(deadline_seconds, clock=self._clock)
        return LLMRun(self._settings, self._provider, sleep=self._sleep, deadline=deadline,
                      on_call=on_call)

    def _routes(self, inputs: _Inputs) -> list[Route]:
        return routes_for(inputs.lead.value, self._settings, inputs.options.model)

    def _base_metadata(self, inputs: _Inputs) -> dict[str, Any]:
        options = inputs.options
        metadata: dict[str, Any] = {
            "options": options.model_dump(mode="json"),
            "routing": {
                "lead_value": str(inputs.lead.value),
                "tier": tier_for_value(inputs.lead.value, self._settings).value,
            },
        }
        if options.model:
            metadata["routing"]["requested_model"] = options.model
            metadata["routing"]["override_honoured"] = override_allowed(
                options.model, self._settings
            )
        return metadata

    def _offline_script(self, inputs: _Inputs) -> Script:
        return compose_offline_script(inputs.plan, inputs.lead, inputs.demo_site, inputs.options)

    def _result(
        self,
        script: Script,
        route: Route | None,
        run: LLMRun | None,
        started: float,
        metadata: dict[str, Any],
    ) -> GeneratedScript:
        """``route`` is None when the offline composer wrote (part of) the script."""
        metadata["attempts"] = run.attempts if run else []
        reason = run.fallback_reason if run and route is None else None
        warnings: list[str] = []
        if reason:
            metadata["fallback_reason"] = reason
            metadata.pop("timing_fixed", None)  # the LLM's words were not kept
            warnings.append(f"The offline engine wrote this instead of the LLM: {reason}")
        if run and run.misconfiguration:
            metadata["misconfiguration"] = run.misconfiguration
        if run and run.budget_exhausted:
            metadata[SpendBudgetExhaustedError.REASON] = run.budget_exhausted
        return GeneratedScript(
            script=script,
            model_used=route.model if route else OFFLINE_MODEL,
            tier=route.tier if route else None,
            fallback_used=reason is not None,
            fallback_reason=reason,
            calls=tuple(run.records) if run else (),
            generation_time_seconds=max(0.0, self._clock() - started),
            metadata=metadata,
            warnings=tuple(warnings),
        )


def _words(script: Script) -> int:
    return sum(count_words(section.content) for section in script.sections)


def _word_window(target_seconds: int, style: Style) -> tuple[int, int]:
    wpm = style_guide(style).words_per_minute
    low, high = duration_window(target_seconds)
    return math.ceil(low * wpm / 60), math.floor(high * wpm / 60)


def _words_inside_window(script: Script, target_seconds: int) -> bool:
    low, high = _word_window(target_seconds, script.style)
    return low <= _words(script) <= high


def _own_offences(script: Script, index: int, target_seconds: int) -> list[TimingOffence]:
    """The offences section ``index`` is responsible for: its own, and the totals."""
    return [
        offence for offence in timing_offences(script, target_seconds)
        if offence.index is None or offence.index == index
    ]


def _adjustments(
    draft: ScriptDraft, slots: Sequence[SectionSlot], options: GenerationOptions
) -> list[tuple[int, int]]:
    """Per section, words to add (or cut, when negative) to meet the plan's budgets.

    When the draft kept the plan's shape the slots' budgets are the goal; otherwise the
    draft's own proportions are scaled to the middle of the window.
    """
    words = [count_words(section.content) for section in draft.sections]
    if len(slots) == len(words):
        goals = [slot.word_budget for slot in slots]
    else:
        low, high = duration_window(options.max_duration_seconds)
        total_goal = words_for_seconds((low + high) / 2, options.style)
        scale = total_goal / max(1, sum(words))
        goals = [round(count * scale) for count in words]
    deltas = [(i, goal - count) for i, (count, goal) in enumerate(zip(words, goals, strict=True))]
    notable = [
        (i, delta) for i, delta in deltas
        if abs(delta) >= max(MIN_ADJUSTMENT_WORDS, 0.1 * goals[i])
    ]
    return notable or [(i, delta) for i, delta in deltas if delta]


def _check_others_unchanged(before: Script, after: Script, index: int) -> None:
    """§3.6 promises byte-identical neighbours; a silent change here would be data loss."""
    unchanged = len(before.sections) == len(after.sections) and all(
        old.model_dump_json() == new.model_dump_json()
        for i, (old, new) in enumerate(zip(before.sections, after.sections, strict=True))
        if i != index
    )
    if not unchanged:
        raise RuntimeError(f"regenerating section {index} changed other sections")
