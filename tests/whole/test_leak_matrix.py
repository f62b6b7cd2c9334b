"""Leak hunting: every GET route × every role, against a planted world in which each record that
some role may not see carries a unique marker word. A marker in a response body sent to a role
that may not see its record is a leak, wherever it shows: page, search snippet, facet, API, CSV,
OCDS, matches, notifications, emails.

Routes come from app.url_map, so routes added later are swept without touching this file. URL
parameters are filled from the planted world (by argument name, or by the route's first path
segment), and same-site links found in the pages are followed too (so chart keys, paging and
facet links are reached without being named here).

Search and list routes are also asked `?q=NEEDLE`, where NEEDLE is a word only the hidden record
contains: the reply must not show the record's marker, and must read exactly like the reply to a
word that no record contains (a hit count or a facet count would otherwise give it away)."""

from __future__ import annotations

import itertools
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import unescape
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, SQLModel, select

from catalogue import create_app
from catalogue.accounts import services as account_services
from catalogue.accounts.models import PartnershipMember, User
from tests import factories
from tests.conftest import TEST_DATABASE_URL, dummy_values, fill_rule, isolate, route_rules, rule_arguments, sign_in

ROLES = ("anonymous", "pending", "supplier", "owner", "other_la", "partnership", "site_admin")
EVERYONE = frozenset(ROLES)

# marker -> roles that may see it. Each marker is planted only in records with that audience.
MARKERS: dict[str, frozenset[str]] = {
    "zqxpublicmarker": EVERYONE,
    "zqxauthoritiesmarker": frozenset({"owner", "other_la", "partnership", "site_admin"}),
    "zqxprivatemarker": frozenset({"owner", "site_admin"}),
    "zqxdraftoffermarker": frozenset({"supplier", "site_admin"}),
    "zqxdraftchallengemarker": frozenset({"owner", "site_admin"}),
    "zqxproposalmarker": frozenset({"supplier", "owner", "site_admin"}),
    "zqxrivalmarker": frozenset({"owner", "site_admin"}),
    "zqxquestionmarker": frozenset({"owner", "site_admin"}),
    "zqxreferencemarker": frozenset({"supplier", "other_la", "site_admin"}),
    # An authority's contact, given with consent: approved staff of authorities, partnerships and
    # government (never suppliers, anonymous or pending users); access.can_see_contact.
    "zqxcontactmarker": frozenset({"owner", "other_la", "partnership", "site_admin"}),
    # A contact given without consent: the organisation's own members and site admins only.
    "zqxnoconsentmarker": frozenset({"other_la", "site_admin"}),
    "zqxpendingemailmarker": frozenset({"pending", "owner", "site_admin"}),
    # What the owning council told the call for evidence (Q11a–c, Q16–18): its members and admins.
    "zqxcfemarker": frozenset({"owner", "site_admin"}),
}
# A search word planted beside each marker (searching for the marker itself would make every
# page that echoes the query look like a leak).
NEEDLES = {marker: marker.replace("marker", "needle") for marker in MARKERS}
ABSENT_NEEDLE = "zqxabsentneedle"

MAX_URLS_PER_RULE = 40
MAX_CRAWL_PER_ROLE = 200
CRAWL_VISITS_PER_RULE = 4
SKIP_PREFIXES = ("/static/",)
# Statuses a GET may answer with; anything 5xx is a failure on its own.
SANE = {200, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 410, 422}


def text_for(marker: str) -> str:
    """Text for a long field: the marker beside its needle, inside ordinary words."""
    return f"Social workers noted {NEEDLES[marker]} {marker} during the transcription pilot."


@dataclass
class World:
    app: Flask
    users: dict[str, User | None]
    tokens: dict[str, str]
    # argument kind -> candidate values (refs or ids as strings)
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    secrets: list[str] = field(default_factory=list)


# --- the planted world ---------------------------------------------------------------------------


def _add(session: Session, obj: object) -> object:
    session.add(obj)
    session.flush()
    return obj


def _plant(session: Session, world: World) -> None:
    from catalogue.records.models import Deployment, SingleView, Tool
    from outcomes import models as outcome_models
    from suppliers.models import Offering

    F = factories
    owner_la = F.OrganisationFactory(
        kind="local-authority",
        name="Owning Council",
        contact_email="zqxcontactmarker@example.org",
        contact_name="Zqxcontactmarker Person",
        # Consent given, so the contact is shown to authority staff (see MARKERS).
        contact_consent=True,
    )
    other_la = F.OrganisationFactory(
        kind="local-authority",
        name="Other Council",
        region="London",
        contact_email="zqxnoconsentmarker@example.org",
        contact_name="Zqxnoconsentmarker Person",
        contact_consent=False,
    )
    supplier = F.OrganisationFactory(kind="supplier", name="Acme Supplier")
    rival = F.OrganisationFactory(kind="supplier", name="Rival Supplier")
    partnership = F.OrganisationFactory(kind="partnership", name="Regional Partnership")
    session.add(PartnershipMember(partnership_id=partnership.id, member_id=owner_la.id, status="accepted"))
    session.commit()

    users = {
        "anonymous": None,
        "pending": F.UserFactory(
            organisation_id=owner_la.id, status="pending", email="zqxpendingemailmarker@example.org"
        ),
        "supplier": F.UserFactory(organisation_id=supplier.id, role="admin", email="supplier@acme.example"),
        "owner": F.UserFactory(organisation_id=owner_la.id, role="admin", email="owner@owning.example"),
        "other_la": F.UserFactory(organisation_id=other_la.id, role="admin", email="staff@other.example"),
        "partnership": F.UserFactory(organisation_id=partnership.id, role="admin", email="lead@region.example"),
        "site_admin": F.UserFactory(is_site_admin=True, email="ops@signpost.example"),
    }
    world.users.update(users)
    for role, user in users.items():
        if user is not None:
            world.tokens[role] = account_services.issue_api_token(session, user, "leak matrix")
    session.commit()

    tool = F.ToolFactory(name="Scribe Assist", supplier_id=supplier.id)
    records: list[tuple[str, object]] = [
        ("organisation", o) for o in (owner_la, other_la, supplier, rival, partnership)
    ]
    records.append(("tool", tool))

    visibility_marker = {
        "public": "zqxpublicmarker",
        "authorities": "zqxauthoritiesmarker",
        "private": "zqxprivatemarker",
    }
    for visibility, marker in visibility_marker.items():
        text = text_for(marker)
        for stage in ("pilot", "dropped"):
            deployment = F.DeploymentFactory(
                organisation_id=owner_la.id,
                tool_id=tool.id,
                visibility=visibility,
                stage=stage,
                ended="2025-06" if stage == "dropped" else None,
                dropped_reasons=["cost"] if stage == "dropped" else [],
                summary=f"{NEEDLES[marker]} {marker} pilot",
                impact=text,
                learnings=text,
                barriers=text,
                dropped_detail=text if stage == "dropped" else None,
                risk_assessment=text,
                safeguards=text,
                evaluator=f"{marker} evaluators",
                evaluation_findings=text,
            )
            records.append(("deployment", deployment))
        single_view = F.SingleViewFactory(
            organisation_id=owner_la.id, visibility=visibility, documentation=text, other_sources=text
        )
        records.append(("single_view", single_view))

    from catalogue.cfe_models import ANSWER_FIELDS, CfeResponse

    _add(
        session,
        CfeResponse(
            key="cfe-owning-council-response",
            organisation_id=owner_la.id,
            respondent_kind="local-authority",
            **dict.fromkeys(ANSWER_FIELDS, text_for("zqxcfemarker")),
        ),
    )

    public_offering = F.OfferingFactory(
        supplier_id=supplier.id, tool_id=tool.id, status="published", name="Scribe Assist for visits"
    )
    draft_offering = F.OfferingFactory(
        supplier_id=supplier.id,
        status="draft",
        name="zqxdraftoffermarker offering",
        summary=f"{NEEDLES['zqxdraftoffermarker']} zqxdraftoffermarker",
        description=text_for("zqxdraftoffermarker"),
        pricing=text_for("zqxdraftoffermarker"),
    )
    records += [("offering", public_offering), ("offering", draft_offering)]

    challenge_text = dict(
        users="Social workers and team managers in assessment teams.",
        outcomes=[{"outcome": "Less evening write-up", "measure": "hours", "baseline": "5", "target": "2"}],
        categories=["transcription"],
    )
    draft = F.ChallengeFactory(
        owner_id=owner_la.id,
        status="draft",
        title="zqxdraftchallengemarker challenge",
        problem=text_for("zqxdraftchallengemarker"),
        constraints=text_for("zqxdraftchallengemarker"),
        tried_before=text_for("zqxdraftchallengemarker"),
        **_known(outcome_models.Challenge, challenge_text),
    )
    published = F.ChallengeFactory(
        owner_id=owner_la.id,
        status="open",
        title="Evening write-ups",
        problem=text_for("zqxpublicmarker"),
        closes=date.today() + timedelta(days=30),
        **_known(outcome_models.Challenge, challenge_text),
    )
    records += [("challenge", draft), ("challenge", published)]

    if hasattr(outcome_models, "ChallengeResponse"):
        Response = outcome_models.ChallengeResponse
        own = _add(
            session,
            Response(
                challenge_id=published.id,
                supplier_id=supplier.id,
                kind="proposal",
                approach=text_for("zqxproposalmarker"),
                evidence=text_for("zqxproposalmarker"),
                feedback=text_for("zqxproposalmarker"),
                offering_id=public_offering.id,
            ),
        )
        rival_response = _add(
            session,
            Response(
                challenge_id=published.id,
                supplier_id=rival.id,
                kind="proposal",
                approach=text_for("zqxrivalmarker"),
                evidence=text_for("zqxrivalmarker"),
                feedback=text_for("zqxrivalmarker"),
                price=987654.0,
            ),
        )
        records += [("response", own), ("response", rival_response)]
    if hasattr(outcome_models, "ClarificationQuestion"):
        Question = outcome_models.ClarificationQuestion
        asked = _add(
            session,
            Question(challenge_id=published.id, supplier_id=rival.id, question=text_for("zqxquestionmarker")),
        )
        answered = _add(
            session,
            Question(
                challenge_id=published.id,
                supplier_id=rival.id,
                question=text_for("zqxpublicmarker"),
                answer="Yes, zqxpublicmarker.",
                status="published",
            ),
        )
        records += [("question", asked), ("question", answered)]
    try:
        from suppliers.models import Reference
    except ImportError:
        Reference = None
    if Reference is not None:
        reference = _add(
            session,
            Reference(
                offering_id=public_offering.id,
                organisation_id=other_la.id,
                note=f"{NEEDLES['zqxreferencemarker']} zqxreferencemarker",
            ),
        )
        records.append(("reference", reference))
    session.commit()

    for kind, record in records:
        if getattr(record, "ref", None):
            world.values[kind].append(quote(record.ref, safe=""))
        world.values[f"{kind}_id"].append(str(record.id))
    for user in users.values():
        if user is not None:
            world.values["user_id"].append(str(user.id))
            world.secrets += [user.password_hash, user.session_token]
    world.secrets += list(world.tokens.values())
    _ = (Deployment, SingleView, Tool, Offering)


def _known(model: type[SQLModel], values: dict) -> dict:
    """Only the fields this model has (the models grow while this file stays put)."""
    return {k: v for k, v in values.items() if k in model.model_fields}


def _notify(app: Flask, session: Session, world: World) -> None:
    """Every role follows the tool; each deployment then notifies whoever may see it."""
    try:
        from catalogue.notifications import services as notifications
        from catalogue.notifications.models import Follow
    except ImportError:
        return
    from catalogue.records.models import Deployment, Tool

    tool = session.exec(select(Tool)).first()
    for user in world.users.values():
        if user is not None:
            session.add(Follow(user_id=user.id, kind="tool", record_id=tool.id))
    session.commit()
    with app.test_request_context("/"):
        for deployment in session.exec(select(Deployment)).all():
            notifications.on_deployment_created(session, deployment)
        session.commit()


@pytest.fixture(scope="module")
def world(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("leak-matrix")
    if TEST_DATABASE_URL:
        url = migrated_template  # on PostgreSQL, the URL of this worker's test database
        engine = sa.create_engine(url)
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        shutil.copyfile(migrated_template, tmp / "leak.db")
        url = f"sqlite:///{tmp / 'leak.db'}"
    app = isolate(
        create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "SEARCH_INDEX_DIR": str(tmp / "index"),
                "INSTANCE_DIR": str(tmp),
                "SECRET_KEY": "leak-matrix",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "MAIL_SEND_AFTER_REQUEST": False,
                "SERVER_NAME": "localhost",
            }
        )
    )
    result = World(app=app, users={}, tokens={})
    session = Session(app.extensions["catalogue.engine"], expire_on_commit=False)
    factories.bind(session)
    try:
        _plant(session, result)
        _notify(app, session, result)
    finally:
        factories.bind(None)
        session.close()
    search = app.cli.commands.get("search")
    if search is not None and "reindex" in getattr(search, "commands", {}):
        outcome = app.test_cli_runner().invoke(args=["search", "reindex"])
        assert outcome.exit_code == 0, outcome.output
    yield result
    app.extensions["catalogue.engine"].dispose()


# --- URLs ---------------------------------------------------------------------------------------

SEGMENT_KINDS = {
    "tools": "tool",
    "deployments": "deployment",
    "single-views": "single_view",
    "offerings": "offering",
    "challenges": "challenge",
    "organisations": "organisation",
    "suppliers": "organisation",
    "authorities": "organisation",
    "partnerships": "organisation",
    "programmes": "programme",
    "references": "reference",
}
NAME_KINDS = {
    "user": "user_id",
    "response": "response_id",
    "proposal": "response_id",
    "interest": "response_id",
    "question": "question_id",
    "reference": "reference_id",
}


def _candidates(world: World, rule, name: str, converter) -> list[str]:
    choices = getattr(converter, "items", None)
    if choices:
        return sorted(choices)
    numeric = type(converter).__name__ in ("IntegerConverter", "NumberConverter")
    stem = name.removesuffix("_id").removesuffix("_ref").replace("-", "_")
    kind = None
    if stem in NAME_KINDS:
        kind = NAME_KINDS[stem].removesuffix("_id")
    elif stem in SEGMENT_KINDS.values():
        kind = stem
    else:
        segments = [s for s in rule.rule.split("/") if s and not s.startswith("<")]
        segments = [s for s in segments if s not in ("api", "v1")]
        if segments:
            kind = SEGMENT_KINDS.get(segments[0])
    if kind is not None:
        values = world.values.get(f"{kind}_id" if numeric else kind, [])
        if values:
            return values
    if numeric:
        return sorted({v for key, vals in world.values.items() if key.endswith("_id") for v in vals}, key=int)[:12]
    return dummy_values(converter)


def planted_urls(world: World, rule) -> list[str]:
    arguments = rule_arguments(rule)
    options = [[(name, v) for v in _candidates(world, rule, name, conv)] for name, conv in arguments]
    combos = itertools.islice(itertools.product(*options), MAX_URLS_PER_RULE)
    return [fill_rule(rule, dict(combo)) for combo in combos]


HREF = re.compile(r"""(?:href|action|src)=["']([^"'#]+)""")


def _links(body: str) -> list[str]:
    found = []
    for raw in HREF.findall(body):
        url = unescape(raw)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith(SKIP_PREFIXES):
            continue
        found.append(url)
    return found


# --- the sweep ----------------------------------------------------------------------------------


@dataclass
class Sweep:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    odd_statuses: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    distinguishable: list[str] = field(default_factory=list)
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # marker -> urls


def _normalise(body: str, needle: str) -> str:
    body = body.replace(needle, "NEEDLE").replace(quote(needle), "NEEDLE")
    body = re.sub(r'nonce="[^"]*"', "", body)
    body = re.sub(r'name="csrf_token" value="[^"]*"', "", body)
    body = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", "TIME", body)
    return re.sub(r"\b\d+(\.\d+)? ?(ms|seconds?)\b", "DURATION", body)


def _client(world: World, role: str):
    client = world.app.test_client()
    user = world.users[role]
    return sign_in(client, user) if user is not None else client


def run_sweep(world: World, role: str) -> Sweep:
    app = world.app
    client = _client(world, role)
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}
    forbidden = [m for m, audience in MARKERS.items() if role not in audience]
    sweep = Sweep()
    visited: set[str] = set()
    rule_visits: dict[str, int] = defaultdict(int)
    adapter = app.url_map.bind("localhost")

    def fetch(url: str) -> tuple[int, str]:
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        with response:
            body = response.get_data(as_text=True)
            status = response.status_code
        sweep.requests += 1
        if status >= 500:
            sweep.server_errors.append(f"{url} -> {status}")
        elif status not in SANE:
            sweep.odd_statuses.append(f"{url} -> {status}")
        lowered = body.lower()
        for marker in MARKERS:
            if marker in lowered:
                sweep.seen[marker].add(url)
                if marker in forbidden:
                    at = lowered.index(marker)
                    sweep.leaks.append(f"{url}: {marker!r} in …{body[max(0, at - 120) : at + 40]!r}…")
        for secret in world.secrets:
            if secret in body:
                sweep.leaks.append(f"{url}: a password hash, session token or API token")
        return status, body

    def visit(url: str) -> str | None:
        if url in visited:
            return None
        visited.add(url)
        status, body = fetch(url)
        return body if status == 200 else None

    queue: list[str] = []
    for rule in route_rules(app, "GET", skip_prefixes=SKIP_PREFIXES):
        for url in planted_urls(world, rule):
            body = visit(url)
            rule_visits[rule.rule] += 1
            if body is None:
                continue
            queue += _links(body)
            if rule_arguments(rule):
                continue
            # A list, search or export route: does it read `q`? If a word no record contains
            # changes nothing, the route ignores q and the plain request already covered it.
            separator = "&" if "?" in url else "?"
            _, absent = fetch(f"{url}{separator}q={ABSENT_NEEDLE}")
            baseline = _normalise(absent, ABSENT_NEEDLE)
            if baseline == _normalise(body, ABSENT_NEEDLE):
                continue
            for marker in forbidden:
                needle = NEEDLES[marker]
                status, found = fetch(f"{url}{separator}q={needle}")
                if status == 200 and _normalise(found, needle) != baseline:
                    sweep.distinguishable.append(
                        f"{url}?q={needle} reads differently from a search for a word no record contains"
                    )
                queue += _links(found)

    crawled = 0
    while queue and crawled < MAX_CRAWL_PER_ROLE:
        url = queue.pop(0)
        if url in visited:
            continue
        try:
            rule, _args = adapter.match(urlsplit(url).path, method="GET", return_rule=True)
        except Exception:  # noqa: S112 - not a GET route of ours (a POST form action, a 404)
            continue
        if rule_visits[rule.rule] >= CRAWL_VISITS_PER_RULE + len(planted_urls(world, rule)):
            continue
        rule_visits[rule.rule] += 1
        crawled += 1
        body = visit(url)
        if body is not None:
            queue += _links(body)
    return sweep


@pytest.fixture(scope="module")
def sweeps(world: World) -> dict[str, Sweep]:
    return {}


def _sweep(world: World, sweeps: dict[str, Sweep], role: str) -> Sweep:
    if role not in sweeps:
        sweeps[role] = run_sweep(world, role)
    return sweeps[role]


@pytest.mark.parametrize("role", ROLES)
def test_no_server_errors(world: World, sweeps: dict, role: str) -> None:
    sweep = _sweep(world, sweeps, role)
    assert sweep.requests > 0
    assert not sweep.server_errors, f"{role}: server errors:\n" + "\n".join(sweep.server_errors)
    assert not sweep.odd_statuses, f"{role}: unexpected statuses:\n" + "\n".join(sweep.odd_statuses)


@pytest.mark.parametrize("role", ROLES)
def test_no_marker_reaches_a_role_that_may_not_see_it(world: World, sweeps: dict, role: str) -> None:
    sweep = _sweep(world, sweeps, role)
    assert not sweep.leaks, f"{role} sees what it may not:\n" + "\n".join(sweep.leaks[:40])


@pytest.mark.parametrize("role", ROLES)
def test_search_for_a_hidden_record_reads_like_a_search_for_nothing(world: World, sweeps: dict, role: str) -> None:
    sweep = _sweep(world, sweeps, role)
    assert not sweep.distinguishable, f"{role}:\n" + "\n".join(sweep.distinguishable[:40])


def test_the_world_is_visible_to_those_allowed(world: World, sweeps: dict) -> None:
    """The matrix is only as good as its reach: each marker should show somewhere to someone who
    may see it. Markers whose pages do not exist yet are reported, not failed."""
    seen_by: dict[str, set[str]] = defaultdict(set)
    for role in ROLES:
        for marker, urls in _sweep(world, sweeps, role).seen.items():
            if urls:
                seen_by[marker].add(role)
    assert "site_admin" in seen_by["zqxpublicmarker"] or "anonymous" in seen_by["zqxpublicmarker"], (
        "no page shows even the public records: is the planted world reachable?"
    )
    unreached = sorted(m for m in MARKERS if not seen_by[m])
    if unreached:
        pytest.skip(f"no page shows these markers to anyone yet: {', '.join(unreached)}")


def test_emails_respect_visibility(world: World) -> None:
    try:
        from catalogue.notifications.models import Notification, OutboxEmail
    except ImportError:
        pytest.skip("no notifications outbox yet")
    roles_by_user = {u.id: r for r, u in world.users.items() if u is not None}
    leaks, count = [], 0
    with Session(world.app.extensions["catalogue.engine"]) as session:
        rows = [(e.user_id, f"{e.subject}\n{e.body}") for e in session.exec(select(OutboxEmail))]
        rows += [(n.user_id, f"{n.subject}\n{n.body}") for n in session.exec(select(Notification))]
    for user_id, text in rows:
        count += 1
        role = roles_by_user.get(user_id)
        for marker, audience in MARKERS.items():
            if role is not None and role not in audience and marker in text.lower():
                leaks.append(f"{role}: {marker} in {text[:200]!r}")
    if count == 0:
        pytest.skip("the planted world produced no emails or notifications")
    assert not leaks, "\n".join(leaks)


def test_sweep_size(world: World, sweeps: dict) -> None:
    """Not a check: prints how much the matrix covered (visible with -s or in -ra output)."""
    total = sum(_sweep(world, sweeps, role).requests for role in ROLES)
    rules = len(route_rules(world.app, "GET", skip_prefixes=SKIP_PREFIXES))
    print(f"leak matrix: {rules} GET routes, {len(ROLES)} roles, {total} requests")
    assert total >= rules * len(ROLES)
