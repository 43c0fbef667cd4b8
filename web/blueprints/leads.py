"""Leads and demo sites."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from shared.db.models import DemoSite, Lead
from shared.repositories import leads as repo
from web.auth import requires_scope
from web.db import get_session
from web.pagination import total_count_header
from web.parsing import Blueprint
from web.schemas.leads import (
    DemoSiteCreateSchema,
    DemoSiteListQuerySchema,
    DemoSiteSchema,
    LeadCreateSchema,
    LeadListQuerySchema,
    LeadSchema,
)

leads_blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Prospects.")
demo_sites_blp = Blueprint(
    "demo_sites", __name__, url_prefix="/api/v1/demo-sites",
    description="Demo sites with their improvement plans.",
)


@leads_blp.route("")
class LeadCollection(MethodView):
    @requires_scope("read")
    @leads_blp.arguments(LeadListQuerySchema, location="query")
    @leads_blp.response(200, LeadSchema(many=True), headers=total_count_header())
    def get(self, query: dict[str, Any]) -> tuple[list[Lead], dict[str, str]]:
        """List leads, newest first."""
        rows, total = repo.list_leads(get_session(), limit=query["limit"], offset=query["offset"])
        return rows, {"X-Total-Count": str(total)}

    @requires_scope("write")
    @leads_blp.arguments(LeadCreateSchema)
    @leads_blp.response(201, LeadSchema)
    def post(self, body: dict[str, Any]) -> Lead:
        """Create a lead."""
        session = get_session()
        lead = repo.create_lead(session, **body)
        session.commit()
        return lead


@leads_blp.route("/<id:lead_id>")
class LeadItem(MethodView):
    @requires_scope("read")
    @leads_blp.response(200, LeadSchema)
    def get(self, lead_id: int) -> Lead:
        """Read a lead."""
        return repo.get_lead(get_session(), lead_id)


@demo_sites_blp.route("")
class DemoSiteCollection(MethodView):
    @requires_scope("read")
    @demo_sites_blp.arguments(DemoSiteListQuerySchema, location="query")
    @demo_sites_blp.response(200, DemoSiteSchema(many=True), headers=total_count_header())
    def get(self, query: dict[str, Any]) -> tuple[list[DemoSite], dict[str, str]]:
        """List demo sites, newest first; filter by lead."""
        rows, total = repo.list_demo_sites(get_session(), **query)
        return rows, {"X-Total-Count": str(total)}

    @requires_scope("write")
    @demo_sites_blp.arguments(DemoSiteCreateSchema)
    @demo_sites_blp.response(201, DemoSiteSchema)
    def post(self, body: dict[str, Any]) -> DemoSite:
        """Create a demo site with its improvement plan; the lead must exist."""
        session = get_session()
        site = repo.create_demo_site(session, **body)
        session.commit()
        return site


@demo_sites_blp.route("/<id:demo_site_id>")
class DemoSiteItem(MethodView):
    @requires_scope("read")
    @demo_sites_blp.response(200, DemoSiteSchema)
    def get(self, demo_site_id: int) -> DemoSite:
        """Read a demo site."""
        return repo.get_demo_site(get_session(), demo_site_id)
