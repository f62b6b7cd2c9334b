"""What a response to the call for evidence said that is not about any one tool: the answers to
Q11a–c (help to develop, scale and benefit from tech) and Q16–18 (what helped; asks of
government; anything else), kept with the response as the spec asks.

These are what an organisation told government, so only site admins and the responding
organisation's approved members see them (`catalogue.access.can_see_cfe_answers`). The table is
deliberately outside everything that publishes: not audited, not in the change log (so never
indexed by search), not a bundle section, not in the API, CSV or insights. The respondent's name
and email are not kept here: they live only as the organisation's contact, with consent."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalogue.db import UTCDateTime, utcnow

# (column, question, heading): the answers in the form's order.
CFE_ANSWERS: tuple[tuple[str, str, str], ...] = (
    ("help_develop", "Q11a", "What else could help to develop innovative tech and roll it out"),
    ("help_scale", "Q11b", "What else could help to scale tech it developed to others"),
    ("help_benefit", "Q11c", "What else could help it benefit from tech developed by other authorities"),
    ("what_helped", "Q16", "The most important thing it did to support implementation"),
    ("asks_of_government", "Q17", "What it would want to see from central government"),
    ("anything_else", "Q18", "Anything else that could help it benefit from AI tools"),
)
# Answers about the tools in use (Q3 impact, Q12 risks, Q14 safeguards, Q15 barriers, Q20 findings)
# go to the tool each sentence names (catalogue.importers.cfe.attribute); what names no tool, in a
# response about several, is about the response as a whole and is kept here.
CFE_GENERAL: tuple[tuple[str, str, str], ...] = (
    ("general_impact", "Q3", "Impact of its tools, not about any one of them"),
    ("general_learnings", "Q10", "Key learnings, not about any one tool"),
    ("general_risk_assessment", "Q12", "How benefits and risks were assessed, not about any one tool"),
    ("general_safeguards", "Q14", "How it guarded against the risks of AI, not about any one tool"),
    ("general_barriers", "Q15", "Challenges and barriers, not about any one tool"),
    ("general_evaluation_findings", "Q20", "What evaluation found, not about any one tool"),
)
_ORDER = ("Q3", "Q10", "Q11a", "Q11b", "Q11c", "Q12", "Q14", "Q15", "Q16", "Q17", "Q18", "Q20")
ALL_ANSWERS = tuple(sorted(CFE_ANSWERS + CFE_GENERAL, key=lambda a: _ORDER.index(a[1])))
ANSWER_FIELDS = tuple(column for column, _, _ in ALL_ANSWERS)

RESPONDENT_KINDS = {
    "local-authority": "Local authority",
    "other-organisation": "Other social care organisation",
    "individual": "Individual",
}


class CfeResponse(SQLModel, table=True):
    __tablename__ = "cfe_response"
    __search_kind__ = None  # never indexed
    __audited__ = False

    id: int | None = Field(default=None, primary_key=True)
    # Stable across imports of the same file (organisation and the response's place among that
    # organisation's responses), so a re-import updates in place: see catalogue.importers.cfe.
    key: str = Field(max_length=80, unique=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    respondent_kind: str | None = Field(default=None, max_length=40)
    help_develop: str | None = Field(default=None, sa_type=sa.Text)
    help_scale: str | None = Field(default=None, sa_type=sa.Text)
    help_benefit: str | None = Field(default=None, sa_type=sa.Text)
    what_helped: str | None = Field(default=None, sa_type=sa.Text)
    asks_of_government: str | None = Field(default=None, sa_type=sa.Text)
    anything_else: str | None = Field(default=None, sa_type=sa.Text)
    general_impact: str | None = Field(default=None, sa_type=sa.Text)
    general_learnings: str | None = Field(default=None, sa_type=sa.Text)
    general_risk_assessment: str | None = Field(default=None, sa_type=sa.Text)
    general_safeguards: str | None = Field(default=None, sa_type=sa.Text)
    general_barriers: str | None = Field(default=None, sa_type=sa.Text)
    general_evaluation_findings: str | None = Field(default=None, sa_type=sa.Text)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def respondent_kind_label(self) -> str | None:
        return RESPONDENT_KINDS.get(self.respondent_kind or "", self.respondent_kind)

    def answers(self) -> list[tuple[str, str, str]]:
        """(question, heading, answer) for each question answered."""
        return [(q, heading, getattr(self, column)) for column, q, heading in ALL_ANSWERS if getattr(self, column)]
