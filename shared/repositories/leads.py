"""Leads and demo sites: the inputs a script is generated from."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db.models import DemoSite, Lead
from shared.db.types import utcnow
from shared.repositories.common import get_or_raise
from shared.script.types import DemoSiteInfo, ImprovementPlan, LeadInfo


def create_lead(
    session: Session,
    *,
    company_name: str,
    industry: str | None = None,
    website_url: str | None = None,
    contact_name: str | None = None,
    contact_email: str | None = None,
    value: Decimal = Decimal("0"),
) -> Lead:
    lead = Lead(
        company_name=company_name,
        industry=industry,
        website_url=website_url,
        contact_name=contact_name,
        contact_email=contact_email,
        value=value,
        created_at=utcnow(),
    )
    session.add(lead)
    session.flush()
    return lead


def get_lead(session: Session, lead_id: int) -> Lead:
    return get_or_raise(session, Lead, lead_id, "lead")


def list_leads(session: Session, *, limit: int, offset: int) -> tuple[list[Lead], int]:
    query = select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit)
    leads = list(session.scalars(query.offset(offset)))
    total = session.scalar(select(func.count()).select_from(Lead)) or 0
    return leads, total


def create_demo_site(
    session: Session, *, lead_id: int, url: str, improvement_plan: dict[str, Any]
) -> DemoSite:
    """Store a demo site; the plan is validated by the domain model before it is kept."""
    get_lead(session, lead_id)
    plan = ImprovementPlan.parse(improvement_plan)
    site = DemoSite(
        lead_id=lead_id,
        url=url,
        improvement_plan=plan.model_dump(mode="json", exclude_none=True),
        created_at=utcnow(),
    )
    session.add(site)
    session.flush()
    return site


def list_demo_sites(
    session: Session, *, limit: int, offset: int, lead_id: int | None = None
) -> tuple[list[DemoSite], int]:
    conditions = [DemoSite.lead_id == lead_id] if lead_id is not None else []
    query = (select(DemoSite).where(*conditions)
             .order_by(DemoSite.created_at.desc(), DemoSite.id.desc()).limit(limit).offset(offset))
    total = session.scalar(select(func.count()).select_from(DemoSite).where(*conditions)) or 0
    return list(session.scalars(query)), total


def get_demo_site(session: Session, demo_site_id: int) -> DemoSite:
    return get_or_raise(session, DemoSite, demo_site_id, "demo site")


def lead_info(lead: Lead) -> LeadInfo:
    """The engine's view of a lead: no e-mail address, since prompts are sent to a provider."""
    return LeadInfo(
        company_name=lead.company_name,
        industry=lead.industry,
        website_url=lead.website_url,
        contact_name=lead.contact_name,
        value=lead.value,
    )


def demo_site_info(site: DemoSite) -> DemoSiteInfo:
    return DemoSiteInfo(url=site.url)


def engine_inputs(
    session: Session, demo_site_id: int
) -> tuple[ImprovementPlan, LeadInfo, DemoSiteInfo]:
    """What the script engine needs about a demo site, detached from the session."""
    site = get_demo_site(session, demo_site_id)
    lead = get_lead(session, site.lead_id)
    return ImprovementPlan.parse(site.improvement_plan), lead_info(lead), demo_site_info(site)


def lead_names(session: Session, lead_ids: Iterable[int]) -> dict[int, str]:
    """Company names of the given leads (the session's tenant only), for lists of scripts."""
    wanted = set(lead_ids)
    if not wanted:
        return {}
    rows = session.execute(select(Lead.id, Lead.company_name).where(Lead.id.in_(wanted)))
    return {row.id: row.company_name for row in rows}
