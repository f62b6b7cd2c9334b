"""The policy as the README and issue 13 state it, written out afresh for the whole-product test.

It deliberately does not call catalogue.access: the test compares the product against this
model, so a model borrowed from the code under test would prove nothing. Each record the machine
writes is kept here with the facts the policy turns on (owner, visibility, stage, status, who
co-sponsors), and every marker word written is tied to the record (and field) it went into.

- Deployments and single views: `public` anyone; `authorities` approved staff of authorities,
  providers, partnerships and government (never suppliers); `private` the owning organisation.
  Site admins see everything.
- A tool first known through a restricted record is seen only by those who may see that record,
  until a public record (a public deployment, a published offering) makes it public. A tool
  imported as a catalogue entry of its own with a supplier is public.
- Offerings are private to their supplier until published.
- Challenges are public once published, and stay public when withdrawn after that; a draft, or
  a draft withdrawn before publication, is seen by its owner (and approved co-sponsors) only.
  Attaching a challenge to a programme widens nothing.
- Proposals and expressions of interest: their supplier, the challenge's owner, approved
  co-sponsors. A co-sponsor's request note: the asker and the owner.
- Programmes (partnerships) are public pages.
- What a council told the call for evidence about its tools is imported as `authorities`
  records; its answers to Q11a–c and Q16–18 are seen by its own members only.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.whole.world import AUTHORITY_ROLES, ORG_ROLE, ROLES

EVERYONE = frozenset(ROLES)
ADMIN = frozenset({"site_admin"})
MARKER = re.compile(r"zqm\d{5}", re.IGNORECASE)
# A word in every searchable field the machine writes (not a marker), so one search finds them.
SHARED_WORD = "zqshared"


def org_roles(org: str | None) -> frozenset[str]:
    """The organisation's own approved staff, and site admins."""
    role = ORG_ROLE.get(org or "")
    return ADMIN | ({role} if role else set())


@dataclass(eq=False)
class Tool:
    ref: str
    name: str
    creator: str | None  # organisation key whose record first named it
    built_here: bool = False
    supplier: str | None = None
    catalogue_entry: bool = False  # imported as a public catalogue entry in its own right
    searchable: bool = True  # carries SHARED_WORD in its indexed text


@dataclass(eq=False)
class Deployment:
    ref: str
    org: str
    tool: Tool
    visibility: str
    stage: str
    searchable: bool = True


@dataclass(eq=False)
class SingleView:
    ref: str
    org: str
    visibility: str
    searchable: bool = True


@dataclass(eq=False)
class Offering:
    ref: str
    name: str
    supplier: str
    tool: Tool | None
    published: bool = False
    searchable: bool = True


@dataclass(eq=False)
class Challenge:
    ref: str
    owner: str
    title: str
    status: str = "draft"
    published: bool = False  # ever published: withdrawing afterwards keeps it public
    co_sponsors: set[str] = field(default_factory=set)  # approved, by organisation key
    requests: dict[str, int] = field(default_factory=dict)  # org key -> request id
    programme: str | None = None
    searchable: bool = True


@dataclass(eq=False)
class Response:
    challenge: Challenge
    supplier: str
    kind: str


@dataclass(eq=False)
class Programme:
    ref: str
    lead: str
    invited: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)


@dataclass
class Model:
    tools: list[Tool] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    single_views: list[SingleView] = field(default_factory=list)
    offerings: list[Offering] = field(default_factory=list)
    challenges: list[Challenge] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    programmes: list[Programme] = field(default_factory=list)
    # marker -> who may see it, asked afresh each time (a record's audience changes with its state)
    markers: dict[str, Callable[[], frozenset[str]]] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # marker -> "kind ref field", for reports
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- markers ------------------------------------------------------------------------------

    def marker(self, audience: Callable[[], frozenset[str]], where: str) -> str:
        word = f"zqm{next(self._counter):05d}"
        self.markers[word] = audience
        self.where[word] = where
        return word

    def text(self, audience: Callable[[], frozenset[str]], where: str, shared: bool = True) -> str:
        """A free-text value: ordinary professional words around a fresh marker. All lower case:
        the call-for-evidence importer takes capitalised words for tool names."""
        word = self.marker(audience, where)
        return f"visit notes drafted by transcription {SHARED_WORD if shared else 'tool'} {word} for assessment teams."

    def problem_text(self, audience: Callable[[], frozenset[str]], where: str) -> str:
        """A challenge's text: it shares only SHARED_WORD with the evidence, so that what matching
        says about an offering (its peer evidence) comes among the first reasons shown."""
        return f"an evening backlog {SHARED_WORD} {self.marker(audience, where)} at the front door."

    def audience(self, marker: str) -> frozenset[str]:
        return self.markers[marker.lower()]()

    # --- who may see each kind of record ------------------------------------------------------

    @staticmethod
    def by_visibility(org: str, visibility: str) -> frozenset[str]:
        if visibility == "public":
            return EVERYONE
        if visibility == "authorities":
            return AUTHORITY_ROLES | org_roles(org)
        return org_roles(org)

    def deployment_audience(self, deployment: Deployment) -> frozenset[str]:
        return self.by_visibility(deployment.org, deployment.visibility)

    def single_view_audience(self, view: SingleView) -> frozenset[str]:
        return self.by_visibility(view.org, view.visibility)

    def tool_audience(self, tool: Tool) -> frozenset[str]:
        if tool.catalogue_entry:
            return EVERYONE
        if any(o.published and o.tool is tool for o in self.offerings):
            return EVERYONE
        seen = set(org_roles(tool.creator))
        for deployment in self.deployments:
            if deployment.tool is tool:
                seen |= self.deployment_audience(deployment)
        return frozenset(seen)

    def offering_audience(self, offering: Offering) -> frozenset[str]:
        return EVERYONE if offering.published else org_roles(offering.supplier)

    def challenge_audience(self, challenge: Challenge) -> frozenset[str]:
        if challenge.published:
            return EVERYONE
        seen = set(org_roles(challenge.owner))
        for org in challenge.co_sponsors:
            seen |= org_roles(org)
        return frozenset(seen)

    def response_audience(self, response: Response) -> frozenset[str]:
        seen = set(org_roles(response.supplier)) | org_roles(response.challenge.owner)
        for org in response.challenge.co_sponsors:
            seen |= org_roles(org)
        return frozenset(seen)

    # --- what each role may see, for the counts -------------------------------------------------

    def visible_deployments(self, role: str) -> list[Deployment]:
        return [d for d in self.deployments if role in self.deployment_audience(d)]

    def visible_counts(self, role: str) -> dict[str, int]:
        """Search hits for SHARED_WORD by kind, as the policy allows `role` to see them."""
        counts = {
            "tool": [t for t in self.tools if t.searchable and role in self.tool_audience(t)],
            "deployment": [d for d in self.deployments if d.searchable and role in self.deployment_audience(d)],
            "single_view": [v for v in self.single_views if v.searchable and role in self.single_view_audience(v)],
            "offering": [o for o in self.offerings if o.searchable and role in self.offering_audience(o)],
            "challenge": [c for c in self.challenges if c.searchable and role in self.challenge_audience(c)],
        }
        return {kind: len(rows) for kind, rows in counts.items()}

    # --- who may do what (asked of writes that cross an owner's boundary) -----------------------

    @staticmethod
    def may_change_tool(role: str, tool: Tool) -> bool:
        """Its creator's organisation (and so the organisation that built it), or a site admin."""
        return role == "site_admin" or (tool.creator is not None and ORG_ROLE.get(tool.creator) == role)

    @staticmethod
    def may_sell_tool(supplier: str, tool: Tool) -> bool:
        """A supplier may name a tool it sells, or one nobody sells that no authority built."""
        return tool.supplier == supplier or (tool.supplier is None and not tool.built_here)

    def void(self, *words: str) -> None:
        """Markers of a write the product refused: they must show nowhere."""
        for word in words:
            self.markers[word] = frozenset
