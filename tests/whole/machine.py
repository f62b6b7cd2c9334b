"""The seams, tested as sequences: a hypothesis state machine whose rules are the product's real
actions by real roles (through the pages, the API and the command line), each writing fresh
marker words, and whose invariant crawls every channel as every role after every step.

The machine keeps a model (tests.whole.model) of who may see each marker, written from the
policy as the README and issue 13 state it. A marker found where the model says its reader may
not see it, a count that differs from what the reader may see, or a write that crosses an
owner's boundary and is accepted, fails the run; hypothesis then prints the shortest sequence of
actions that shows it."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlmodel import select

from catalogue.records.models import Tool as ToolRow
from outcomes.models import ChallengeCoSponsor
from tests.whole import crawl as crawling
from tests.whole.imports import ImportRules
from tests.whole.model import (
    EVERYONE,
    Challenge,
    Deployment,
    Model,
    Offering,
    Programme,
    Response,
    SingleView,
    Tool,
    org_roles,
)
from tests.whole.world import ORG_ROLE, ROLE_ORG, World, build_world, enabled

AUTHORS = ("owner", "other_la")  # authority staff who record evidence and post challenges
VISIBILITIES = ("public", "authorities", "private")
STAGES = ("pilot", "implemented", "dropped")
INDEX = st.integers(min_value=0, max_value=1_000)

# Set by the test that runs the machine: the migrated database file each example copies.
TEMPLATE: dict[str, str] = {}


def _pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)]


class SeamsMachine(ImportRules, RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="seams-"))
        self.world: World = build_world(TEMPLATE["path"], self.directory / "world")
        self.model = Model()
        self.touched: list[object] = []

    def teardown(self) -> None:
        try:
            # After a failed step hypothesis is already reporting it: crawl only after a clean run.
            if sys.exc_info()[0] is None and (self.model.tools or self.model.challenges):
                # Every record page once more, now that the sequence is complete.
                every = [*self._all_records()]
                findings = crawling.crawl(self.world, self.model, every)
                problems = findings.problems(self.model) + crawling.unreached(self.model, findings)
                assert not problems, _report("after the last step", problems)
        finally:
            self.world.close()

    # --- helpers ------------------------------------------------------------------------------

    def _all_records(self) -> list[object]:
        m = self.model
        pages = [f"/partnerships/{p.ref}" for p in m.programmes]
        pages += [f"/organisations/{o.ref}" for o in self.world.orgs.values()]
        pages.append(f"/suppliers/{self.world.orgs['S'].ref}")
        return [*m.tools, *m.deployments, *m.single_views, *m.offerings, *m.challenges, *pages]

    def _org_pages(self, *orgs: str) -> list[str]:
        pages = [f"/organisations/{self.world.orgs[o].ref}" for o in orgs]
        return [*pages, f"/suppliers/{self.world.orgs['S'].ref}"]

    def _post(self, role: str, url: str, data: dict[str, Any]) -> Any:
        return self.world.clients[role].post(url, data=data)

    def _api(self, role: str, method: str, url: str, body: dict[str, Any]) -> Any:
        return self.world.clients[role].open(url, method=method, json=body, headers=self.world.api_headers(role))

    def _db(self, query: Any) -> Any:
        with self.world.app.app_context():
            session = self.world.session()
            try:
                return session.exec(query).all()
            finally:
                session.close()

    def _visible_tools(self, role: str) -> list[Tool]:
        return [t for t in self.model.tools if role in self.model.tool_audience(t)]

    def _deployment_draft(self, visibility: str, stage: str, where: str) -> tuple[dict, dict[str, Deployment]]:
        """A complete deployment form (the pages carry it in a hidden field) with a marker in
        every free-text field; the markers' audience is the deployment put in the holder once saved."""
        m = self.model
        holder: dict[str, Deployment] = {}

        def audience() -> frozenset[str]:
            return m.deployment_audience(holder["d"]) if "d" in holder else frozenset()

        fields = ["summary", "impact", "learnings", "barriers", "risk_assessment", "safeguards", "evaluation_findings"]
        draft: dict[str, Any] = {name: m.text(audience, f"{where} {name}") for name in fields}
        draft["evaluator"] = f"Evaluators {m.marker(audience, f'{where} evaluator')}"
        draft.update(stage=stage, started="2025-01", visibility=visibility, _reviewed=True)
        if stage == "dropped":
            draft.update(ended="2025-06", dropped_reasons=["cost"], dropped_detail=m.text(audience, f"{where} story"))
        return draft, holder

    # --- evidence: deployments, tools, single views --------------------------------------------

    @precondition(lambda self: enabled("record_deployment"))
    @rule(
        role=st.sampled_from(AUTHORS),
        visibility=st.sampled_from(VISIBILITIES),
        stage=st.sampled_from(STAGES),
        new_tool=st.booleans(),
        built_here=st.booleans(),
        index=INDEX,
    )
    def record_deployment(
        self, role: str, visibility: str, stage: str, new_tool: bool, built_here: bool, index: int
    ) -> None:
        """Authority staff record a deployment through the deployment form, naming a tool they can
        see or entering a new one (built by them or not) inside the record."""
        self._record_deployment(role, visibility, stage, new_tool, built_here, index)

    def _record_deployment(
        self, role: str, visibility: str, stage: str, new_tool: bool, built_here: bool, index: int
    ) -> Deployment:
        m, org = self.model, ROLE_ORG[role]
        tools = self._visible_tools(role)
        draft, saved = self._deployment_draft(visibility, stage, f"deployment by {role} ({visibility})")
        tool: Tool
        if new_tool or not tools:
            holder: dict[str, Tool] = {}

            def tool_audience() -> frozenset[str]:
                return m.tool_audience(holder["t"]) if "t" in holder else frozenset()

            name = f"{m.marker(tool_audience, 'new tool name').capitalize()} Notes"
            draft["tool_choice"] = "new"
            draft["new_tool"] = {
                "name": name,
                "summary": m.text(tool_audience, "new tool summary"),
                "description": m.text(tool_audience, "new tool description"),
                "categories": ["transcription"],
                "uses_ai": "yes",
                "delivery": "standalone",
                "case_management_systems": [],
                "built_here": "yes" if built_here else "no",
            }
            tool = Tool(ref="", name=name, creator=org, built_here=built_here)
            holder["t"] = tool
        else:
            tool = _pick(tools, index)
            draft.update(tool_choice="existing", tool=tool.ref)
        response = self._post(role, "/deployments/new/check", {"draft": json.dumps(draft)})
        if response.status_code == 200 and "already recorded by your organisation" in response.get_data(as_text=True):
            return  # the product's rule: one record per tool per organisation (update that one instead)
        assert response.status_code == 303, f"{role} could not record a deployment: {response.status_code}"
        ref = response.headers["Location"].rsplit("/", 1)[-1]
        if not tool.ref:
            tool.ref = self._db(select(ToolRow.ref).where(ToolRow.name == tool.name))[0]
            m.tools.append(tool)
        deployment = Deployment(ref=ref, org=org, tool=tool, visibility=visibility, stage=stage)
        saved["d"] = deployment
        m.deployments.append(deployment)
        self.touched += [deployment, tool, *self._org_pages(org)]
        return deployment

    @precondition(lambda self: enabled("record_single_view"))
    @rule(role=st.sampled_from(AUTHORS), visibility=st.sampled_from(VISIBILITIES))
    def record_single_view(self, role: str, visibility: str) -> None:
        m, org = self.model, ROLE_ORG[role]
        holder: dict[str, SingleView] = {}

        def audience() -> frozenset[str]:
            return m.single_view_audience(holder["v"]) if "v" in holder else frozenset()

        data = {
            "status": "live",
            "sources": ["education", "other"],
            "other_sources": m.text(audience, "single view other sources"),
            "documentation": m.text(audience, "single view documentation"),
            "visibility": visibility,
        }
        response = self._post(role, "/single-views/new", data)
        if response.status_code == 200 and "already" in response.get_data(as_text=True):
            m.void(*[w for w in m.markers if w in json.dumps(data)])
            return  # one single view per organisation
        assert response.status_code == 303, f"{role} could not record a single view: {response.status_code}"
        view = SingleView(ref=response.headers["Location"].rsplit("/", 1)[-1], org=org, visibility=visibility)
        holder["v"] = view
        m.single_views.append(view)
        self.touched += [view, *self._org_pages(org)]

    @precondition(lambda self: enabled("edit_tool") and (self.model.tools))
    @rule(role=st.sampled_from(("owner", "other_la", "partner", "supplier")), index=INDEX)
    def edit_tool(self, role: str, index: int) -> None:
        """Anyone signed in tries to change a tool they can see; only its creator's organisation
        (and site admins) may: any other change is a hole (issue 13, hole 4)."""
        m = self.model
        candidates = [t for t in self._visible_tools(role) if t.supplier is None]
        if not candidates:
            return
        tool = _pick(candidates, index)
        word_text = m.text(lambda: m.tool_audience(tool), f"tool summary changed by {role}")
        response = self._api(role, "PATCH", f"/api/v1/tools/{tool.ref}", {"summary": word_text})
        allowed = m.may_change_tool(role, tool)
        if not allowed:
            assert response.status_code in (403, 404), (
                f"{role} changed {tool.name}, a tool {tool.creator} added, answered {response.status_code}: "
                "only the creator's organisation and site admins change a tool"
            )
            m.void(*[w for w in m.markers if w in word_text])
        else:
            assert response.status_code == 200, f"{role} could not change its own tool: {response.status_code}"
            # The new summary carries the shared word: the tool, and its deployments (whose search
            # documents include the tool's summary), are now found by it.
            tool.searchable = True
            for deployment in m.deployments:
                if deployment.tool is tool:
                    deployment.searchable = True
        self.touched.append(tool)

    @precondition(lambda self: enabled("crafted_tool_for_pending_supplier"))
    @rule()
    def crafted_tool_for_pending_supplier(self) -> None:
        """A crafted deployment form names a pending (unverified) supplier for a new tool: it must
        be refused like any organisation the pick list does not offer (issue 13, hole 8)."""
        m = self.model
        draft, _ = self._deployment_draft("public", "pilot", "crafted deployment")
        name = f"{m.marker(frozenset, 'crafted tool name').capitalize()} Notes"
        draft.update(
            tool_choice="new",
            new_tool={
                "name": name,
                "summary": m.text(frozenset, "crafted tool summary"),
                "categories": ["transcription"],
                "built_here": "no",
                "supplier": self.world.pending_supplier_ref,
            },
        )
        response = self._post("owner", "/deployments/new/check", {"draft": json.dumps(draft)})
        assert response.status_code != 303, (
            "a new tool was attributed to a pending (unverified) supplier through a crafted form"
        )

    # --- challenges ---------------------------------------------------------------------------

    @precondition(lambda self: enabled("create_challenge"))
    @rule(role=st.sampled_from(AUTHORS))
    def create_challenge(self, role: str) -> None:
        m, org = self.model, ROLE_ORG[role]
        holder: dict[str, Challenge] = {}

        def audience() -> frozenset[str]:
            return m.challenge_audience(holder["c"]) if "c" in holder else frozenset()

        title = f"Backlog {m.marker(audience, 'challenge title')} zqshared"
        body = {
            "title": title,
            "problem": m.problem_text(audience, "challenge problem"),
            "users": m.problem_text(audience, "challenge users"),
            "tried_before": m.problem_text(audience, "challenge tried before"),
            "constraint_data": m.problem_text(audience, "challenge data constraints"),
            "timetable": m.problem_text(audience, "challenge timetable"),
            "closes": (date.today() + timedelta(days=30)).isoformat(),
        }
        response = self._api(role, "POST", "/api/v1/challenges", body)
        assert response.status_code == 201, f"{role} could not post a challenge: {response.get_data(as_text=True)}"
        challenge = Challenge(ref=response.get_json()["ref"], owner=org, title=title)
        holder["c"] = challenge
        m.challenges.append(challenge)
        self.touched.append(challenge)

    @precondition(lambda self: enabled("change_challenge_status") and (self.model.challenges))
    @rule(index=INDEX, to=st.sampled_from(("market-engagement", "open", "withdrawn")))
    def change_challenge_status(self, index: int, to: str) -> None:
        """The owner publishes (to market engagement, or open for proposals) or withdraws, a draft
        included: a draft withdrawn before publication stays private."""
        challenge = _pick(self.model.challenges, index)
        role = ORG_ROLE[challenge.owner]
        response = self._post(role, f"/challenges/{challenge.ref}/status", {"to": to, "detail": "Plans changed"})
        if response.status_code != 303:
            return  # not a transition from where it is (the page says why)
        challenge.status = to
        if to in ("market-engagement", "open"):
            challenge.published = True
        self.touched.append(challenge)

    @precondition(lambda self: enabled("co_sponsor") and (any(c.published for c in self.model.challenges)))
    @rule(role=st.sampled_from(("owner", "other_la", "partner")), index=INDEX, approve=st.booleans())
    def co_sponsor(self, role: str, index: int, approve: bool) -> None:
        """Another authority asks to co-sponsor a published challenge; the owner decides."""
        m, org = self.model, ROLE_ORG[role]
        challenge = _pick([c for c in m.challenges if c.published], index)
        if challenge.owner == org or org in challenge.requests:
            return
        note = m.text(lambda: org_roles(org) | org_roles(challenge.owner), f"co-sponsor note by {role}")
        response = self._post(role, f"/challenges/{challenge.ref}/co-sponsor", {"note": note})
        if response.status_code != 303:
            m.void(*[w for w in m.markers if w in note])
            return
        (request_id,) = self._db(
            select(ChallengeCoSponsor.id).where(
                ChallengeCoSponsor.organisation_id == self.world.orgs[org].id,
                ChallengeCoSponsor.challenge_id.in_(
                    select(_challenge_id_column()).where(_challenge_ref_column() == challenge.ref)
                ),
            )
        )
        challenge.requests[org] = request_id
        owner = ORG_ROLE[challenge.owner]
        decision = "approve" if approve else "decline"
        answer = self._post(owner, f"/challenges/{challenge.ref}/co-sponsors/{request_id}", {"decision": decision})
        assert answer.status_code == 303, f"the owner could not decide a co-sponsor request: {answer.status_code}"
        if approve:
            challenge.co_sponsors.add(org)
        self.touched.append(challenge)

    @precondition(
        lambda self: (
            enabled("respond") and (any(c.status in ("market-engagement", "open") for c in self.model.challenges))
        )
    )
    @rule(index=INDEX, with_offering=st.booleans())
    def respond(self, index: int, with_offering: bool) -> None:
        """The supplier expresses interest (market engagement) or proposes (open)."""
        m = self.model
        challenge = _pick([c for c in m.challenges if c.status in ("market-engagement", "open")], index)
        kind = "interest" if challenge.status == "market-engagement" else "proposal"
        response_record = Response(challenge=challenge, supplier="S", kind=kind)

        def audience() -> frozenset[str]:
            return m.response_audience(response_record)

        body: dict[str, Any] = {
            "approach": m.text(audience, f"{kind} approach"),
            "evidence": m.text(audience, f"{kind} evidence"),
        }
        own = [o for o in m.offerings if o.supplier == "S"]
        if with_offering and own:
            body["offering"] = own[0].ref
        if kind == "proposal":
            body["price"] = 45000
        answer = self._api("supplier", "POST", f"/api/v1/challenges/{challenge.ref}/{kind}", body)
        assert answer.status_code in (200, 201), (
            f"the supplier could not send its {kind}: {answer.get_data(as_text=True)}"
        )
        m.responses.append(response_record)
        self.touched.append(challenge)

    # --- offerings ----------------------------------------------------------------------------

    @precondition(lambda self: enabled("add_offering"))
    @rule(published=st.booleans(), with_tool=st.booleans(), index=INDEX)
    def add_offering(self, published: bool, with_tool: bool, index: int) -> None:
        """The supplier lists an offering (draft or published), naming a tool it can see or none.
        Naming a tool an authority built is refused (issue 13, hole 5)."""
        tools = self._visible_tools("supplier")
        self._add_offering(published, _pick(tools, index) if with_tool and tools else None)

    def _add_offering(self, published: bool, tool: Tool | None) -> None:
        m = self.model
        holder: dict[str, Offering] = {}

        def audience() -> frozenset[str]:
            return m.offering_audience(holder["o"]) if "o" in holder else frozenset()

        name = f"{m.marker(audience, 'offering name').capitalize()} Visits"
        body: dict[str, Any] = {
            "name": name,
            "summary": m.text(audience, "offering summary"),
            "description": m.text(audience, "offering description"),
            "pricing": m.text(audience, "offering pricing"),
            "categories": ["transcription"],
            "status": "published" if published else "draft",
        }
        if tool is not None:
            body["tool"] = tool.ref
        answer = self._api("supplier", "POST", "/api/v1/offerings", body)
        words = [w for w in m.markers if w in json.dumps(body)]
        if tool is not None and not m.may_sell_tool("S", tool):
            m.void(*words)
            assert answer.status_code >= 400, (
                f"the supplier attached its offering to {tool.name}, a tool {tool.creator} built itself "
                f"({answer.status_code}): it would borrow that authority's evidence"
            )
            return
        assert answer.status_code == 201, f"the supplier could not list an offering: {answer.get_data(as_text=True)}"
        offering = Offering(ref=answer.get_json()["ref"], name=name, supplier="S", tool=tool, published=published)
        holder["o"] = offering
        m.offerings.append(offering)
        self.touched += [offering, *([tool] if tool else []), *self._org_pages("S")]

    # --- partnerships (programmes) --------------------------------------------------------------

    @initialize()
    def start_partnership(self) -> None:
        """Every run starts with a partnership's programme that both authorities have joined."""
        self._create_programme()

    @initialize()
    def start_catalogue(self) -> None:
        """...and with one public deployment of a tool the supplier sells a published offering of."""
        deployment = self._record_deployment("owner", "public", "implemented", True, False, 0)
        self._add_offering(True, deployment.tool)

    @precondition(lambda self: enabled("create_programme"))
    @rule()
    def create_programme(self) -> None:
        """The partnership starts a programme and invites both authorities, which accept."""
        self._create_programme()

    def _create_programme(self) -> None:
        m = self.model
        name = f"Fellside {m.marker(lambda: EVERYONE, 'programme name').capitalize()} programme"
        data = {
            "name": name,
            "description": m.text(lambda: EVERYONE, "programme description"),
            "phases": m.text(lambda: EVERYONE, "programme phases"),
            "evaluation_plan": m.text(lambda: EVERYONE, "programme evaluation plan"),
            "milestones": "",
        }
        response = self._post("partner", "/partnerships/new", data)
        assert response.status_code == 303, f"the partnership could not start a programme: {response.status_code}"
        programme = Programme(ref=response.headers["Location"].rsplit("/", 1)[-1], lead="P")
        m.programmes.append(programme)
        for org in ("A", "B"):
            invited = self._post(
                "partner", f"/partnerships/{programme.ref}/members", {"member": self.world.orgs[org].ref}
            )
            assert invited.status_code == 303, f"the lead could not invite {org}: {invited.status_code}"
            programme.invited.add(org)
            accepted = self._post(ORG_ROLE[org], f"/partnerships/{programme.ref}/invitation", {"decision": "accept"})
            assert accepted.status_code == 303, f"{org} could not accept the invitation: {accepted.status_code}"
            programme.members.add(org)
        self.touched.append(f"/partnerships/{programme.ref}")

    @precondition(
        lambda self: (
            enabled("attach_challenge") and (any(p.members for p in self.model.programmes) and self.model.challenges)
        )
    )
    @rule(index=INDEX, which=INDEX)
    def attach_challenge(self, index: int, which: int) -> None:
        """The lead attaches a member's challenge to the programme. Attaching widens nothing in the
        model: a draft attached (issue 13, hole 1) stays the owner's, which the crawl checks."""
        programme = _pick([p for p in self.model.programmes if p.members], index)
        candidates = [c for c in self.model.challenges if c.owner in programme.members]
        if not candidates:
            return
        challenge = _pick(candidates, which)
        response = self._post("partner", f"/partnerships/{programme.ref}/challenges", {"challenge": challenge.ref})
        if response.status_code == 303:
            challenge.programme = programme.ref
        self.touched += [challenge, f"/partnerships/{programme.ref}"]

    # --- follows (emails and notifications) -----------------------------------------------------

    @precondition(lambda self: enabled("follow") and (self.model.tools or self.model.challenges))
    @rule(
        role=st.sampled_from(("supplier", "other_la", "owner", "partner")),
        index=INDEX,
        kind=st.sampled_from(("tool", "challenge")),
    )
    def follow(self, role: str, index: int, kind: str) -> None:
        """Follow a tool or challenge the role can see: later news of it comes by notification and email."""
        m = self.model
        if kind == "tool":
            records = self._visible_tools(role)
            model_class, column = ToolRow, ToolRow.ref
        else:
            records = [c for c in m.challenges if role in m.challenge_audience(c)]
            from outcomes.models import Challenge as ChallengeRow

            model_class, column = ChallengeRow, ChallengeRow.ref
        if not records:
            return
        record = _pick(records, index)
        (record_id,) = self._db(select(model_class.id).where(column == record.ref))
        response = self._post(role, f"/follow/{kind}/{record_id}", {})
        assert response.status_code in (200, 302, 303), f"{role} could not follow a {kind}: {response.status_code}"

    # --- the invariant ------------------------------------------------------------------------

    @invariant()
    def nothing_reaches_anyone_it_may_not(self) -> None:
        # Programme pages list (and offer to attach) challenges: crawled every time, like the lists.
        touched = [*self.touched, *(f"/partnerships/{p.ref}" for p in self.model.programmes)]
        self.touched = []
        findings = crawling.crawl(self.world, self.model, touched)
        assert not findings.problems(self.model), _report("after this step", findings.problems(self.model))


def _challenge_id_column() -> Any:
    from outcomes.models import Challenge as ChallengeRow

    return ChallengeRow.id


def _challenge_ref_column() -> Any:
    from outcomes.models import Challenge as ChallengeRow

    return ChallengeRow.ref


def _report(when: str, problems: list[str]) -> str:
    shown = "\n  ".join(problems[:60])
    more = f"\n  … and {len(problems) - 60} more lines" if len(problems) > 60 else ""
    return f"{when}:\n  {shown}{more}"
