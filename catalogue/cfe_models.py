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
ANSWER_FIELDS = tuple(column for column, _, _ in CFE_ANSWERS)

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
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def respondent_kind_label(self) -> str | None:
        return RESPONDENT_KINDS.get(self.respondent_kind or "", self.respondent_kind)

    def answers(self) -> list[tuple[str, str, str]]:
        """(question, heading, answer) for each question answered."""
        return [(q, heading, getattr(self, column)) for column, q, heading in CFE_ANSWERS if getattr(self, column)]
