"""The machine's import rules: an exchange bundle and a call-for-evidence file, each through
its command, as an operator runs them. Mixed into tests.whole.machine.SeamsMachine."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from sqlmodel import select

from catalogue.records.models import Deployment as DeploymentRow
from catalogue.records.models import SingleView as SingleViewRow
from catalogue.records.models import Tool as ToolRow
from tests.whole.model import Deployment, SingleView, Tool, org_roles
from tests.whole.world import enabled

VISIBILITIES = ("public", "authorities", "private")


class ImportRules:
    """Needs the machine's world, model, touched list and helpers (_db, _org_pages)."""

    # --- imports ------------------------------------------------------------------------------

    @precondition(lambda self: enabled("import_bundle"))
    @rule(visibility=st.sampled_from(VISIBILITIES))
    def import_bundle(self, visibility: str) -> None:
        """An operator imports an exchange bundle: a tool, a public deployment of it by the other
        authority, and the owner's deployment and single view at the drawn visibility."""
        m = self.model
        n = len(m.markers)
        a, b = self.world.orgs["A"], self.world.orgs["B"]
        tool = Tool(ref=f"tool-bundle-{n}", name="", creator="B")
        ours = Deployment(ref=f"dep-bundle-{n}-a", org="A", tool=tool, visibility=visibility, stage="pilot")
        theirs = Deployment(ref=f"dep-bundle-{n}-b", org="B", tool=tool, visibility="public", stage="implemented")
        tool.name = f"{m.marker(lambda: m.tool_audience(tool), 'bundle tool name').capitalize()} Scribe"

        def deployment(d: Deployment) -> dict[str, Any]:
            return {
                "ref": d.ref,
                "organisation": self.world.orgs[d.org].ref,
                "tool": tool.ref,
                "stage": d.stage,
                "started": "2024-09",
                "visibility": d.visibility,
                "summary": m.text(lambda: m.deployment_audience(d), f"bundle deployment ({d.visibility}) summary"),
                "impact": m.text(lambda: m.deployment_audience(d), f"bundle deployment ({d.visibility}) impact"),
                "learnings": m.text(lambda: m.deployment_audience(d), f"bundle deployment ({d.visibility}) learnings"),
            }

        view = SingleView(ref=f"sv-bundle-{n}", org="A", visibility=visibility)
        bundle = {
            "format": "csc-catalogue-bundle",
            "version": 1,
            "organisations": [{"ref": o.ref, "name": o.name, "kind": o.kind, "region": "North West"} for o in (a, b)],
            "tools": [
                {
                    "ref": tool.ref,
                    "name": tool.name,
                    "summary": m.text(lambda: m.tool_audience(tool), "bundle tool summary"),
                    "description": m.text(lambda: m.tool_audience(tool), "bundle tool description"),
                    "categories": ["transcription"],
                    "uses_ai": True,
                }
            ],
            "deployments": [deployment(ours), deployment(theirs)],
            "single_views": [
                {
                    "ref": view.ref,
                    "organisation": a.ref,
                    "status": "in-development",
                    "sources": ["education"],
                    "documentation": m.text(lambda: m.single_view_audience(view), f"bundle single view ({visibility})"),
                    "visibility": visibility,
                }
            ],
            "offerings": [],
            "challenges": [],
        }
        if any(v.org == "A" for v in m.single_views):
            bundle["single_views"] = []  # one single view per organisation: keep the one it has
            m.void(*[w for w in m.markers if w in json.dumps(bundle) and "single view" in m.where[w]])
        path = self.directory / f"bundle-{n}.json"
        path.write_text(json.dumps(bundle), encoding="utf-8")
        result = self.world.app.test_cli_runner().invoke(args=["bundle", "import", str(path)])
        assert result.exit_code == 0, result.output
        m.tools.append(tool)
        m.deployments += [ours, theirs]
        if bundle["single_views"]:
            m.single_views.append(view)
        self.touched += [tool, ours, theirs, *self._org_pages("A", "B")]
        if bundle["single_views"]:
            self.touched.append(view)

    @precondition(lambda self: enabled("import_call_for_evidence"))
    @rule(dropped=st.booleans(), in_use=st.booleans())
    def import_call_for_evidence(self, dropped: bool, in_use: bool) -> None:
        """The owner's answers to the call for evidence, imported from the consultation's CSV: a
        tool in use, a piloted-then-dropped tool with its story, and what it told government."""
        m = self.model
        a = self.world.orgs["A"]
        before = set(self._db(select(DeploymentRow.ref)))
        tools_before = set(self._db(select(ToolRow.ref)))

        def authorities() -> frozenset[str]:
            return m.by_visibility("A", "authorities")

        def own() -> frozenset[str]:
            return org_roles("A")

        answers: dict[str, str] = {
            "What is the name": a.name,
            "Are you responding": "Local Authority",
            "Q12": m.text(authorities, "cfe Q12 risk assessment", shared=False),
            "Q14": m.text(authorities, "cfe Q14 safeguards", shared=False),
            "Q15": m.text(authorities, "cfe Q15 barriers", shared=False),
            "Q11a": m.text(own, "cfe Q11a (told government)", shared=False),
            "Q16": m.text(own, "cfe Q16 (told government)", shared=False),
            "Q17": m.text(own, "cfe Q17 (told government)", shared=False),
        }
        names: list[str] = []
        holders: list[dict[str, Tool]] = []

        def tool_name(suffix: str) -> str:
            holder: dict[str, Tool] = {}
            holders.append(holder)
            word = m.marker(lambda: m.tool_audience(holder["t"]) if "t" in holder else authorities(), "cfe tool name")
            names.append(f"{word.capitalize()} {suffix}")
            return names[-1]

        if in_use:
            answers["Q2"] = f"We use {tool_name('Scribe')} for visit notes."
            answers["Q3"] = m.text(authorities, "cfe Q3 impact", shared=False)
        if dropped:
            story = m.text(authorities, "cfe Q5 dropped-pilot story", shared=False)
            answers["Q5"] = (
                f"We piloted a tool called {tool_name('Notes')} and dropped it because it cost too much. {story}"
            )
        path = self.directory / f"cfe-{len(m.markers)}.csv"
        path.write_text(_cfe_csv(answers), encoding="utf-8")
        result = self.world.app.test_cli_runner().invoke(args=["import", "call-for-evidence", str(path)])
        assert result.exit_code == 0, result.output
        tools = {t.name: t for t in (self._db(select(ToolRow)))}
        for name, holder in zip(names, holders, strict=True):
            row = tools.get(name)
            assert row is not None, f"the call-for-evidence import did not create {name}: {result.output}"
            known = next((t for t in m.tools if t.ref == row.ref), None)
            if known is None:
                known = Tool(ref=row.ref, name=name, creator="A", searchable=False)
                m.tools.append(known)
            holder["t"] = known
        by_tool = {t.ref: t for t in m.tools}
        tool_refs = {row.id: row.ref for row in tools.values()}
        for row in self._db(select(DeploymentRow)):
            if row.ref in before:
                continue
            tool = by_tool.get(tool_refs.get(row.tool_id, ""))
            assert tool is not None, f"the import created a deployment of a tool the test did not name: {row.ref}"
            # Imported records take `authorities` (the importer's rule, catalogue.importers.cfe).
            deployment = Deployment(
                ref=row.ref, org="A", tool=tool, visibility="authorities", stage=row.stage, searchable=False
            )
            m.deployments.append(deployment)
            self.touched.append(deployment)
        for row in self._db(select(SingleViewRow)):
            if row.organisation_id == a.id and not any(v.ref == row.ref for v in m.single_views):
                m.single_views.append(SingleView(ref=row.ref, org="A", visibility=row.visibility, searchable=False))
        self.touched += [t for t in m.tools if t.ref not in tools_before or t.name in names]
        self.touched += self._org_pages("A")


def _cfe_header() -> list[str]:
    from tests.conftest import SHARED

    example = SHARED / "spec" / "call-for-evidence-example.csv"
    return next(csv.reader(io.StringIO(example.read_text(encoding="utf-8"))))


def _cfe_csv(answers: dict[str, str]) -> str:
    """One response in the consultation system's layout (keys: 'Q7' or a question's first words)."""
    header = _cfe_header()
    row = [""] * len(header)
    for key, value in answers.items():
        prefix = (key + ".") if key.startswith("Q") else key
        index = next(i for i, text in enumerate(header) if text.lower().startswith(prefix.lower()))
        row[index] = value
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([header, row])
    return buffer.getvalue()
