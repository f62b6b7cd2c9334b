"""One crawl of every channel as every role: pages, lists, search hits, snippets and facets, API
lists and items, CSV exports, OCDS, ATRS, matches, dashboards, notifications and the email
outbox. It reports every marker found where the model says that role may not see it, and every
count a page shows that differs from the count of records the model lets that viewer see.

A crawl is kept cheap: the lists and channels every time, record pages only for the records the
last step touched (the machine's teardown crawls every record page once more)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import quote

from sqlmodel import select

from catalogue import vocabulary
from catalogue.notifications.models import Notification, OutboxEmail
from tests.whole.model import MARKER, SHARED_WORD, Challenge, Deployment, Model, Offering, SingleView, Tool
from tests.whole.world import ROLES, World

PER_PAGE = 100
# The channels that list or count records: every role, every step.
LIST_URLS = (
    "/tools",
    "/deployments",
    "/deployments/dropped",
    "/challenges",
    "/organisations",
    "/offerings",
    "/suppliers",
    "/partnerships",
    "/insights",
    "/notifications",
    "/account",
    "/suppliers/dashboard",
    f"/search?q={SHARED_WORD}",
    "/export/tools.csv",
    "/export/deployments.csv",
    f"/export/search.csv?q={SHARED_WORD}",
    f"/api/v1/search?q={SHARED_WORD}&per_page={PER_PAGE}",
    f"/api/v1/tools?per_page={PER_PAGE}",
    f"/api/v1/deployments?per_page={PER_PAGE}",
    f"/api/v1/single-views?per_page={PER_PAGE}",
    f"/api/v1/offerings?per_page={PER_PAGE}",
    f"/api/v1/challenges?per_page={PER_PAGE}",
    f"/api/v1/organisations?per_page={PER_PAGE}",
)
SANE = {200, 302, 303, 400, 401, 403, 404, 405, 410}


def record_urls(record: object) -> list[str]:
    """Every page, API item and export of one record."""
    if isinstance(record, Tool):
        return [f"/tools/{record.ref}", f"/api/v1/tools/{record.ref}"]
    if isinstance(record, Deployment):
        ref = record.ref
        return [
            f"/deployments/{ref}",
            f"/api/v1/deployments/{ref}",
            f"/deployments/{ref}/atrs",
            f"/deployments/{ref}/atrs.json",
        ]
    if isinstance(record, SingleView):
        return [f"/single-views/{record.ref}", f"/api/v1/single-views/{record.ref}"]
    if isinstance(record, Offering):
        return [f"/offerings/{record.ref}", f"/api/v1/offerings/{record.ref}"]
    if isinstance(record, Challenge):
        ref = record.ref
        return [
            f"/challenges/{ref}",
            f"/challenges/{ref}/matches",
            f"/challenges/{ref}/ocds.json",
            f"/challenges/{ref}/responses",
            f"/api/v1/challenges/{ref}",
            f"/api/v1/challenges/{ref}/responses",
        ]
    if isinstance(record, str):  # a page given by its path (programmes, organisations)
        return [record]
    raise TypeError(record)


@dataclass
class Findings:
    # marker -> role -> [(where, excerpt)]: grouped, so a report names each leaked field once
    leaked: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)
    counts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    seen: dict[str, set[str]] = field(default_factory=dict)  # marker -> roles it reached

    def leak(self, marker: str, role: str, where: str, excerpt: str) -> None:
        self.leaked.setdefault(marker, {}).setdefault(role, []).append((where, excerpt))

    def leaks(self, model: Model) -> list[str]:
        lines = []
        for marker, by_role in self.leaked.items():
            what = model.where.get(marker, "a marker the test never wrote")
            audience = sorted(model.audience(marker)) if marker in model.markers else []
            lines.append(f"{marker} ({what}; may be seen by {audience or 'nobody'}) reached:")
            for role, places in by_role.items():
                urls = sorted({w for w, _ in places})
                lines.append(f"    {role} at {', '.join(urls[:6])}{' …' if len(urls) > 6 else ''}")
                lines.append(f"      …{places[0][1]}…")
        return lines

    def problems(self, model: Model) -> list[str]:
        return self.errors + self.leaks(model) + self.counts


def _excerpt(body: str, word: str) -> str:
    at = body.lower().find(word.lower())
    return " ".join(body[max(0, at - 100) : at + 30].split())


def _check_markers(model: Model, findings: Findings, role: str, where: str, body: str) -> None:
    for word in {w.lower() for w in MARKER.findall(body)}:
        findings.seen.setdefault(word, set()).add(role)
        if word not in model.markers or role not in model.audience(word):
            findings.leak(word, role, where, _excerpt(body, word))


def fetch(world: World, model: Model, findings: Findings, role: str, url: str) -> tuple[int, str]:
    client = world.clients[role]
    headers = world.api_headers(role) if url.startswith("/api/") else {}
    response = client.get(url, headers=headers)
    with response:
        body = response.get_data(as_text=True)
        status = response.status_code
    findings.requests += 1
    if status not in SANE:
        findings.errors.append(f"{role} GET {url} -> {status}")
    # The address asked for may be echoed (a sign-in link's `next`): that tells the asker nothing.
    path = url.split("?", 1)[0]
    body = body.replace(quote(path, safe=""), "").replace(path, "")
    _check_markers(model, findings, role, url, body)
    return status, body


def check_outbox(world: World, model: Model, findings: Findings) -> None:
    """Notifications and emails: each one's reader may see every marker in it."""
    role_of = {user_id: role for role, user_id in world.user_ids.items()}
    with world.app.app_context():
        session = world.session()
        try:
            rows = [(e.user_id, "email", f"{e.subject}\n{e.body}") for e in session.exec(select(OutboxEmail))]
            rows += [(n.user_id, "notification", f"{n.subject}\n{n.body}") for n in session.exec(select(Notification))]
        finally:
            session.close()
    for user_id, kind, text in rows:
        role = role_of.get(user_id)
        if role is not None:
            _check_markers(model, findings, role, f"{kind} to {role}", text)


# --- counts ---------------------------------------------------------------------------------------
# Every count a page shows, against the records the model lets that viewer see: /tools rows (in
# use, dropped) and total; /deployments, /deployments/dropped, /offerings, /challenges totals;
# /insights headline, tools-by-category total and deployments-by-stage rows; search result
# totals and kind facets (page and API); a tool's "Who uses it (N)" and "Who dropped it (D)"; an
# offering's "Used by N" and its tool's experience; an organisation's deployments; the supplier
# dashboard's peer evidence.

TOOL_ROW = re.compile(
    r'href="/tools/(?P<ref>[^"]+)">.*?'
    r'govuk-table__cell--numeric">(?P<using>\d+)</td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">(?P<dropped>\d+)<',
    re.DOTALL,
)
PEER = re.compile(
    r"Peer evidence: (?P<using>\d+) other organisations? uses? its tool(?:[^;<]*)(?:; (?P<dropped>\d+) dropped)?"
)
FITTING_ROW = re.compile(r'<li class="govuk-!-margin-bottom-4">(?P<row>.*?)</ul>\s*</li>', re.DOTALL)


# Fields every record shows on its own page: each must reach someone allowed, or the crawl is blind.
SHOWN = ("new tool name", "bundle tool name", "challenge title", "offering name", "programme name", ") summary")


def unreached(model: Model, findings: Findings) -> list[str]:
    """Markers of fields that are always shown, seen by nobody allowed to see them."""
    missing = []
    for word, where in model.where.items():
        if where.endswith(SHOWN) and model.audience(word) and not findings.seen.get(word, set()) & model.audience(word):
            missing.append(f"{word} ({where}) reached nobody allowed to see it: is the crawl blind?")
    return missing


def check_tool_counts(model: Model, findings: Findings, role: str, body: str) -> None:
    """/tools: each row's 'in use' and 'dropped' count only deployments the viewer may see."""
    by_ref = {t.ref: t for t in model.tools}
    visible = model.visible_deployments(role)
    for match in TOOL_ROW.finditer(body):
        tool = by_ref.get(unescape(match["ref"]))
        if tool is None:
            continue
        mine = [d for d in visible if d.tool is tool]
        expected = (sum(d.stage != "dropped" for d in mine), sum(d.stage == "dropped" for d in mine))
        shown = (int(match["using"]), int(match["dropped"]))
        if shown != expected:
            findings.counts.append(
                f"{role} at /tools: {tool.name} shows in use/dropped {shown}, the viewer may see {expected}"
            )


def check_facet_counts(model: Model, findings: Findings, role: str, body: str) -> None:
    """Search facet counts by kind for the word every record carries, against the model."""
    try:
        facets = json.loads(body).get("facets", {})
    except ValueError:
        findings.errors.append(f"{role}: /api/v1/search did not answer JSON")
        return
    shown = {str(value): int(count) for value, count in facets.get("kind", [])}
    expected = {kind: n for kind, n in model.visible_counts(role).items() if n}
    shown = {kind: n for kind, n in shown.items() if n}
    if shown != expected:
        findings.counts.append(f"{role} at /api/v1/search facets: kind counts {shown}, the viewer may see {expected}")


KIND_BOX = re.compile(
    r'name="kind" type="checkbox" value="(?P<kind>[^"]+)"[^>]*>\s*<label[^>]*>[^<]*\((?P<n>[\d,]+)\)</label>'
)


def check_search_page_facets(model: Model, findings: Findings, role: str, body: str) -> None:
    """/search's "kind" filter boxes: each kind's count, as for the API's facets."""
    shown = {m["kind"]: _number(m["n"]) for m in KIND_BOX.finditer(body)}
    shown = {kind: n for kind, n in shown.items() if n}
    expected = {kind: n for kind, n in model.visible_counts(role).items() if n}
    if shown != expected:
        findings.counts.append(f"{role} at /search: kind filter counts {shown}, the viewer may see {expected}")


def check_peer_evidence(model: Model, findings: Findings, role: str, url: str, body: str) -> None:
    """'Peer evidence: N other organisations use its tool; D dropped it' on the supplier's
    dashboard counts only deployments both the challenge's owner and this viewer may see."""
    challenges = {c.ref: c for c in model.challenges}
    offerings = {o.name: o for o in model.offerings}
    for row in FITTING_ROW.finditer(body):
        text = unescape(row["row"])
        peer = PEER.search(text)
        found_challenge = re.search(r'href="/challenges/([^"]+)"', text)
        found_offering = re.search(r"fits (.+?)</span>", text)
        if not (peer and found_challenge and found_offering):
            continue
        challenge = challenges.get(found_challenge.group(1))
        offering = offerings.get(found_offering.group(1).strip())
        if challenge is None or offering is None or offering.tool is None:
            continue
        owner_role = next(iter(r for r in ROLES if r in _staff_roles(challenge.owner)), None)
        rows = [
            d
            for d in model.deployments
            if d.tool is offering.tool
            and d.org != challenge.owner
            and role in model.deployment_audience(d)
            and owner_role in model.deployment_audience(d)
        ]
        expected = (sum(d.stage != "dropped" for d in rows), sum(d.stage == "dropped" for d in rows))
        shown = (int(peer["using"]), int(peer["dropped"] or 0))
        if shown != expected:
            findings.counts.append(
                f"{role} at {url}: peer evidence for {offering.name} on {challenge.ref} shows using/dropped "
                f"{shown}, the viewer (and the owner) may see {expected}"
            )


# Counts every viewer reads as a sentence: each equals the records the model lets that viewer see.
STATUS_COUNT = re.compile(r'role="status">\s*(?P<n>[\d,]+) (?P<what>records?|dropped pilots?|offerings?|tools?)\b')
TOOLS_IN_ALL = re.compile(r"(?P<n>\d+) tools in all\.")
CHALLENGE_COUNT = re.compile(r'<h2 class="govuk-heading-m">(?P<n>\d+) challenges?</h2>')
RESULT_COUNT = re.compile(r'id="result-count" role="status">\s*(?:(?P<n>[\d,]+) results?|No results)')
INSIGHTS_COUNT = re.compile(r"They draw on (?P<n>\d+) deployments?")
TOOL_PAGE_COUNTS = re.compile(
    r"Who uses it \((?P<using>\d+)\)</h2>.*?Who dropped it and why \((?P<dropped>\d+)\)</h2>", re.S
)
EXPERIENCE = re.compile(r"Experience of .*?</h2>(?P<section>.*?)(?:</ul>|</p>)", re.S)
USED_BY = re.compile(r"Used by (?P<n>\d+) authorit")


def _number(text: str | None) -> int:
    return int(text.replace(",", "")) if text else 0


def expected_list_counts(model: Model, role: str) -> dict[str, int]:
    """What each list page's count says, as the policy lets `role` see the records."""
    deployments = model.visible_deployments(role)
    return {
        "/tools": sum(role in model.tool_audience(t) for t in model.tools),
        "/deployments": len(deployments),
        "/deployments/dropped": sum(d.stage == "dropped" for d in deployments),
        "/insights": len(deployments),
        "/challenges": sum(role in model.challenge_audience(c) for c in model.challenges),
        "/offerings": sum(role in model.offering_audience(o) for o in model.offerings),
        "/search": sum(model.visible_counts(role).values()),
    }


def check_list_counts(model: Model, findings: Findings, role: str, url: str, body: str) -> None:
    """The one count a list page states ("12 records", "They draw on 12 deployments", "3
    challenges", "5 results") against the records the viewer may see."""
    path = url.split("?", 1)[0]
    expected = expected_list_counts(model, role).get(path)
    if expected is None:
        return
    pattern = {
        "/insights": INSIGHTS_COUNT,
        "/challenges": CHALLENGE_COUNT,
        "/search": RESULT_COUNT,
    }.get(path, STATUS_COUNT)
    found = pattern.search(body)
    if found is None:
        if expected:
            findings.counts.append(f"{role} at {url}: no count shown, the viewer may see {expected}")
        return
    shown = _number(found.group("n"))
    if shown != expected:
        findings.counts.append(f"{role} at {url}: shows {shown}, the viewer may see {expected}")


STAGE_CHART = re.compile(r'id="deployments-by-stage".*?<tbody[^>]*>(?P<rows>.*?)</tbody>', re.S)
CHART_ROW = re.compile(r'<th scope="row"[^>]*>(?P<label>[^<]*)</th>\s*<td[^>]*>(?P<n>[\d,]+)</td>')
ORG_DEPLOYMENTS = re.compile(r"Tools it uses, piloted or dropped \((?P<n>\d+)\)")


def check_insights_stages(model: Model, findings: Findings, role: str, body: str) -> None:
    """/insights: "Tools by category"'s total against the tools the viewer may see, and
    "Deployments by stage"'s rows against the deployments the viewer may see."""
    tools = TOOLS_IN_ALL.search(body)
    expected_tools = sum(role in model.tool_audience(t) for t in model.tools)
    if (int(tools["n"]) if tools else 0) != expected_tools:
        findings.counts.append(
            f"{role} at /insights: tools by category says {tools['n'] if tools else 'no'} tools in all, "
            f"the viewer may see {expected_tools}"
        )
    chart = STAGE_CHART.search(body)
    if chart is None:
        return
    shown = {unescape(m["label"]).strip(): _number(m["n"]) for m in CHART_ROW.finditer(chart["rows"])}
    shown = {label: n for label, n in shown.items() if n}
    expected: dict[str, int] = {}
    for d in model.visible_deployments(role):
        label = vocabulary.STAGES[d.stage]
        expected[label] = expected.get(label, 0) + 1
    if shown != expected:
        findings.counts.append(f"{role} at /insights: deployments by stage {shown}, the viewer may see {expected}")


def check_record_counts(
    model: Model, findings: Findings, role: str, url: str, body: str, orgs: dict[str, str] | None = None
) -> None:
    """A tool's page ("Who uses it (N)", "Who dropped it and why (D)") and an offering's ("Used
    by N authorities", its tool's experience) count only deployments the viewer may see."""
    visible = model.visible_deployments(role)
    if url.startswith("/tools/"):
        tool = next((t for t in model.tools if url == f"/tools/{t.ref}"), None)
        found = TOOL_PAGE_COUNTS.search(body)
        if tool is None or found is None:
            return
        mine = [d for d in visible if d.tool is tool]
        expected = (sum(d.stage != "dropped" for d in mine), sum(d.stage == "dropped" for d in mine))
        shown = (int(found["using"]), int(found["dropped"]))
        if shown != expected:
            findings.counts.append(f"{role} at {url}: uses/dropped {shown}, the viewer may see {expected}")
    elif url.startswith("/organisations/") and orgs and url.removeprefix("/organisations/") in orgs:
        found = ORG_DEPLOYMENTS.search(body)
        key = orgs[url.removeprefix("/organisations/")]
        expected = sum(d.org == key for d in visible)
        if found is not None and int(found["n"]) != expected:
            findings.counts.append(f"{role} at {url}: lists {found['n']} deployments, the viewer may see {expected}")
    elif url.startswith("/offerings/"):
        offering = next((o for o in model.offerings if url == f"/offerings/{o.ref}"), None)
        if offering is None:
            return
        used_by = USED_BY.search(body)
        if used_by is not None:  # only references an authority confirmed, which no rule writes
            findings.counts.append(f"{role} at {url}: used by {used_by['n']}, no authority confirmed a reference")
        section = EXPERIENCE.search(body)
        shown = len(re.findall(r'href="/deployments/', section["section"])) if section else 0
        tool = offering.tool
        sells = tool is not None and model.may_sell_tool(offering.supplier, tool)
        expected = sum(d.tool is tool for d in visible) if sells else 0
        if shown != expected:
            findings.counts.append(
                f"{role} at {url}: the tool's experience lists {shown} deployments, the viewer may see {expected}"
            )


def _staff_roles(org: str) -> set[str]:
    from tests.whole.world import ORG_ROLE

    return {ORG_ROLE[org]} if org in ORG_ROLE else set()


# --- the crawl ------------------------------------------------------------------------------------


def crawl(world: World, model: Model, touched: list[object], roles: tuple[str, ...] = ROLES) -> Findings:
    findings = Findings()
    urls = [u for record in touched for u in record_urls(record)]
    urls = list(dict.fromkeys(urls))
    orgs = {org.ref: key for key, org in world.orgs.items()}
    for role in roles:
        for url in LIST_URLS:
            status, body = fetch(world, model, findings, role, url)
            if status != 200:
                continue
            check_list_counts(model, findings, role, url, body)
            if url == "/tools":
                check_tool_counts(model, findings, role, body)
            elif url == "/insights":
                check_insights_stages(model, findings, role, body)
            elif url.startswith("/search?"):
                check_search_page_facets(model, findings, role, body)
            elif url.startswith("/api/v1/search"):
                check_facet_counts(model, findings, role, body)
            elif url == "/suppliers/dashboard":
                check_peer_evidence(model, findings, role, url, body)
        statuses: dict[str, int] = {}
        for url in urls:
            statuses[url], body = fetch(world, model, findings, role, url)
            if statuses[url] == 200:
                check_record_counts(model, findings, role, url, body, orgs)
        for url, status in statuses.items():
            # One function decides who opens a challenge: its matches page opens for the same people.
            if url.endswith("/matches"):
                page = statuses.get(url.removesuffix("/matches"))
                if page is not None and (page == 200) != (status == 200):
                    findings.errors.append(f"{role}: {url.removesuffix('/matches')} answers {page} but {url} {status}")
    check_outbox(world, model, findings)
    return findings
