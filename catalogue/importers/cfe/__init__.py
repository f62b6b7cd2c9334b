"""`flask import call-for-evidence FILE.csv [--dry-run]`: responses to the Department for
Education's call for evidence (layout: shared/spec/call-for-evidence.md) into the catalogue.

Each response names an organisation (matched to the 153 reference authorities however it was
written), tools in prose (several to an answer; one tool whatever its spelling), the tools it
piloted and dropped and why (reasons mapped to the vocabulary by keyword rules), its own tool
with the resources it took, how it assessed risks and evaluated, and its single view.

Everything goes through the exchange bundle's schemas and writer (`catalogue.bundle`), so an
import validates exactly like a bundle and updates records in place by their refs. An
organisation's record of a tool already held (however it was made) and its single view are
matched and updated, never duplicated; new refs are derived from organisation and tool, so
importing the same file again updates too. Answers the importer cannot understand are reported
with their row and question; the rest is imported in one transaction. Personal data in any
imported text (the personal-data guard, which an importer cannot override) names the row,
record and field, and nothing is written. A dry run runs the same and rolls back, so its report
(created, updated, skipped and why, per record) is the real run's.

Answers given once for all the tools of a response (Q3 impact, Q10 learnings, Q12 risks, Q14
safeguards, Q15 barriers, Q20 findings) go to the tool each sentence names (`attribute`); what
names no tool is kept with the response, unless the response is about one tool only.

The respondent's name and email are kept only as the organisation's contact, only when they
consented, only when the organisation has no contact yet, and then only as a proposal: consent to
be contacted by DfE is not consent to be contacted by peers, so they are nobody's contact until
one of the organisation's admins confirms them (Organisation.contact_pending). They never reach a
page, an export or the API otherwise. Imported records take the visibility `authorities`.

The answers that are not about one tool (Q11a–c: help to develop, scale and benefit from tech;
Q16–18: what helped, asks of government, anything else) are kept with the response in
`CfeResponse` (catalogue.cfe_models), seen only by the organisation's members and site admins.

The package: `reading` (the CSV into responses), `names` (organisations, tools and suppliers
in prose), `answers` (choices and figures as codes), `attribute` (which tool a sentence is
about), `plan` (what the file says, by ref),
`write` (merge, validate, write through the bundle) and `cli` (the command).
"""

from __future__ import annotations

from catalogue.importers.cfe.answers import parse_evaluation, parse_fte, parse_money
from catalogue.importers.cfe.cli import import_cli, init_app
from catalogue.importers.cfe.names import find_mentions, organisation_key, supplier_key, tool_key
from catalogue.importers.cfe.plan import CfeReport, Problem
from catalogue.importers.cfe.reading import CfeError, read_responses
from catalogue.importers.cfe.write import import_call_for_evidence

__all__ = [
    "CfeError",
    "CfeReport",
    "Problem",
    "find_mentions",
    "import_call_for_evidence",
    "import_cli",
    "init_app",
    "organisation_key",
    "parse_evaluation",
    "parse_fte",
    "parse_money",
    "read_responses",
    "supplier_key",
    "tool_key",
]
