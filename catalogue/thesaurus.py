"""A hand-written vocabulary of children's social care and AI/digital tools.

Commissioners describe problems ("we write up visits at home in the evening"); suppliers
describe products ("AI transcription"). Each concept below groups the ways both sides say the
same thing, so a challenge and an offering that share a concept match even when they share no
word. Concepts also point at the catalogue categories they are evidence for (the category
classifier) and some name a sector, so a tool built for another sector (adult care, housing,
schools, policing, health clinics, council corporate services) is not mistaken for a
children's social care one.

Patterns are matched on lower-case words with possessives and plurals folded ("child's" ->
"child", "notes" -> "note") and stop words dropped on both sides. A trailing "*" matches any
word starting with the stem ("transcri*" matches transcribe, transcript, transcription).

This is general domain knowledge, written without reference to any judged data set. It lives in
the core, beside catalogue.vocabulary, because two parts read it: matching (outcomes.matching)
and the catalogue's own search, which expands a query with the field's synonyms
(catalogue.search.expand) and must work whichever features are switched on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    name: str
    label: str
    patterns: tuple[str, ...]
    categories: tuple[str, ...] = ()
    sector: str | None = None
    mentions: str | None = None  # names a sector in passing (not a term; see SECTOR_MENTIONS)


def _c(
    name: str,
    label: str,
    patterns: str,
    categories: tuple[str, ...] = (),
    sector: str | None = None,
    mentions: str | None = None,
) -> Concept:
    return Concept(
        name, label, tuple(p.strip() for p in patterns.split("|") if p.strip()), categories, sector, mentions
    )


CONCEPTS: tuple[Concept, ...] = (
    # --- recording practice -------------------------------------------------------------------
    _c(
        "recording",
        "recording and case notes",
        "case note* | casenote* | recording | record keeping | write up | writing up | written up | write-up* | "
        "writeup* | typing up | typed up | type up | note taking | note-taking | take notes | taking notes | "
        "notebook | dictat* | transcri* | speech to text | voice to text | speech recognition | ambient | "
        "record the conversation | record conversations | visit record* | "
        "visit note* | draft note* | note drafting | drafting notes | paperwork | admin burden | "
        "keyboard* | typing",
        ("transcription",),
    ),
    _c(
        "visits",
        "visits to children and families",
        "home visit* | statutory visit* | visit | visits | visiting | doorstep* | field work | fieldwork | "
        "mobile working | on the road | driving between",
    ),
    _c(
        "late-working",
        "working late to keep records up to date",
        "evening* | weekend* | after hours | unpaid overtime | "
        "overtime | work late | working late | catch up on recording",
    ),
    _c(
        "meetings",
        "meetings and minutes",
        "minutes of | meeting minutes | take minutes | taking minutes | minute taking | minute-taking | minuting | minuted | meeting record* | record of the meeting | "
        "child protection conference* | case conference* | conference* | core group* | strategy discussion* | "
        "strategy meeting* | review meeting* | multi-agency meeting* | family group conference* | "
        "speaker label* | speaker attribution | action list* | decisions and actions",
        ("transcription", "admin-automation"),
    ),
    _c(
        "summarisation",
        "summaries and chronologies",
        "chronolog* | case summar* | summar* | digest* | family history | case history | history of the family | "
        "trawl* | "
        "pages of records | long file* | significant events | key events | timeline*",
        ("summarisation",),
    ),
    _c(
        "case-transfer",
        "picking up a case",
        "case transfer* | transfer of case* | transferred case* | changes hands | change of worker | new worker | "
        "new social worker | allocated worker changes | step down | step up | handover | "
        "new starter* | inherit* case* | picking up a case | pick up a case",
        ("summarisation", "case-record-query"),
    ),
    _c(
        "court",
        "court and care proceedings",
        "court* | care proceeding* | pre-proceeding* | public law outline | plo | family court | court bundle* | "
        "legal gateway | legal planning | letter before proceedings | section 31 | parenting assessment* | "
        "expert report* | witness statement* | social work evidence template | swet",
        ("summarisation",),
    ),
    _c(
        "record-query",
        "asking questions of case records",
        "ask question* | ask the record | ask your record* | ask anything | plain english question* | "
        "natural language quer* | natural-language quer* | search the record | search across record* | "
        "find information in the record | query the record | "
        "question* over the record | answer* with link* | cite* the source | source entr*",
        ("case-record-query",),
    ),
    _c(
        "in-record",
        "help inside the case management system",
        "inside the record | inside the case management system | within the case management system | "
        "built into the case management system | built into the record | built into | embedded | "
        "integrated into | integration with | native | one system | single login | single sign-on | "
        "switching between system* | switch between system* | copy and paste | copying and pasting | "
        "re-key* | rekey* | double keying | duplicate entry",
    ),
    # --- families and language --------------------------------------------------------------
    _c(
        "translation",
        "translation and interpreting",
        "translat* | interpret* | language* | multilingual | speak no english | "
        "limited english | english as an additional language | eal | first language | home language | "
        "mother tongue | community language* | non-english | non english speaking | bilingual | "
        "british sign language | bsl | language line",
        ("translation",),
    ),
    _c(
        "accessible",
        "plans and letters families can understand",
        "easy read | easy-read | plain english | plain language | jargon | jargon-free | readab* | "
        "reading age | literacy | learning disabilit* | accessible format* | understand their plan | "
        "parents can understand | families can understand | hard to understand",
        ("translation",),
    ),
    _c(
        "voice-of-child",
        "the voice of the child",
        "voice of the child | child voice | young person voice | voice of children | own word* | "
        "wishes and feeling* | what matter* to me | participation | "
        "children view* | young people view* | views of children | lived experience | child-led | "
        "child friendly | child-friendly | feedback from children",
        ("voice-of-child",),
    ),
    _c(
        "life-story",
        "life-story work",
        "life story | life-story | later life letter* | later-life letter* | memory box* | memory book* | "
        "early life | early lives | story of their life | why they came into care | adoption | adopted | "
        "permanence",
        ("life-story",),
    ),
    # --- the front door, early help, safeguarding analytics ----------------------------------
    _c(
        "front-door",
        "the front door",
        # A council's front door is its contact and referral service; a website's "digital front
        # door" is the chatbot concept's longer phrase, which wins where both are read.
        "front door | integrated front door | mash | multi-agency safeguarding hub | contact and referral | "
        "referral* | re-referral* | notification* | police notification* | duty team | duty desk | "
        "first response | triage | screening | threshold* | initial contact* | contact officer* | "
        "advice and duty | decision* at the front door",
        ("single-view", "risk-analytics"),
    ),
    _c(
        "single-view",
        "a single view of the child across agencies",
        "single view | one view | whole picture | full picture | complete picture | joined-up | joined up data | "
        "data integration | integrat* data | linked data | data linkage | data shar* | shared data | "
        "multi-agency data | multi-agency information | partner data | information from partner* | "
        "across agencies | every agency | household view | data platform | data warehouse | master data",
        ("single-view",),
    ),
    _c(
        "early-help",
        "early help and prevention",
        "early help | early intervention | intervene earlier | help earlier | reach famil* earlier | prevention | preventative | preventive | before crisis | before they reach crisis | "
        "escalat* | family hub* | family support | targeted support | "
        "supporting families | troubled families | need* support before",
        ("risk-analytics",),
    ),
    _c(
        "predictive",
        "risk identification and predictive analytics",
        "predict* | risk model* | risk scor* | risk stratif* | risk identification | identify famil* | "
        "machine learning | forecast* | analytics | data science | early warning | flag* famil* | "
        "label* famil*",
        ("risk-analytics",),
    ),
    _c(
        "exploitation",
        "exploitation and missing children",
        "exploitation | exploited | missing from home | missing from care | missing child* | missing episode* | go missing | goes missing | went missing | county line* | "
        "criminal exploitation | sexual exploitation | cse | cce | contextual safeguarding | "
        "extra-familial harm | return home interview* | return conversation* | peer group* | hotspot* | "
        "network map* | trafficking | gang*",
        ("risk-analytics", "single-view"),
    ),
    _c(
        "chatbot",
        "chatbots and self-service for families",
        "chatbot* | chat bot* | webchat | web chat | virtual assistant* | digital front door | website front door | "
        "online front door | self-service | "
        "self service | 24/7 | always on | always-on | mobile app* | text message* | "
        "whatsapp | online information | local offer | "
        "signpost* | family information service | information and advice",
        ("chatbot",),
    ),
    # --- AI tools and their governance -------------------------------------------------------
    _c(
        "genai-assistant",
        "general generative AI assistants",
        "generative ai | genai | gen ai | copilot* | chatgpt | large language model* | llm* | ai assistant* | "
        "ai workspace | ai tool* | public ai | free ai | consumer ai | shadow ai | unsanctioned | "
        "unapproved tool* | ai website* | ai chat* | draft document* | drafting help | prompts | prompting",
        ("assistant",),
    ),
    _c(
        "ai-governance",
        "safe adoption and governance of AI",
        "dpia* | data protection impact assessment* | ethic* | bias | algorithmic | assurance | ai register | governance | "
        "information governance | acceptable use | ai policy | safe use | safely | "
        "approval process | approve new tool* | sign-off | sign off | risk assessment* | due diligence | "
        "supplier evidence | procurement check* | caldicott | data protection officer | guardrail*",
        ("other",),
    ),
    _c(
        "ai-literacy",
        "AI skills and literacy for staff",
        "ai literacy | ai skill* | ai training | training on ai | confidence with ai | digital skill* | "
        "digital literacy | train staff | staff training",
        ("workforce", "practice-guidance"),
    ),
    # --- practice knowledge and quality ------------------------------------------------------
    _c(
        "procedures",
        "practice procedures and guidance",
        "procedure* | procedure manual* | policies and procedures | practice guidance | guidance | "
        "working together | statutory guidance | threshold document | practice standard* | practice model | "
        "up to date policy | local policy",
        ("practice-guidance",),
    ),
    _c(
        "quality-assurance",
        "audit and quality assurance of practice",
        "audit* | case audit* | quality assurance | quality of practice | practice quality | moderation | "
        "dip sample* | sampling | performance information | practice learning | inspection | ofsted | ilacs | "
        "practice week* | themes across cases",
        ("practice-guidance", "case-record-query"),
    ),
    # --- the workforce ------------------------------------------------------------------------
    _c(
        "workforce",
        "recruiting and keeping social workers",
        "recruit* | retention | retain* | agency social worker* | agency staff | agency worker* | agency spend | "
        "locum* | interim* | temporary worker* | temporary staff | temporary social worker* | vacanc* | "
        "turnover | permanent staff | permanent social worker* | workforce | career* | newly qualified | "
        "asye | exit interview* | pay* rate*",
        ("workforce",),
    ),
    _c(
        "wellbeing",
        "caseloads and staff wellbeing",
        "caseload* | workload* | wellbeing | burnout | burn out | stress | sickness absence | "
        "morale | fair allocation | weighting",
        ("workforce",),
    ),
    _c(
        "supervision",
        "supervision of practitioners",
        "supervision | reflective supervision | supervisor* | reflective practice | reflection | "
        "management oversight | one-to-one* | case discussion*",
        ("workforce",),
    ),
    _c(
        "lone-working",
        "practitioner safety",
        "lone work* | personal safety | staff safety | safe visit* | check-in* | panic button | emergency button",
        ("workforce",),
    ),
    # --- homes for children -------------------------------------------------------------------
    _c(
        "placements",
        "finding and commissioning homes for children",
        "placement* | placement finding | placement search | sufficiency | placement commissioning | commissioning of placement* | commissioning team* | "
        "children home* | residential | residential care | foster* | fostering agenc* | independent fostering | "
        "ifa* | supported accommodation | semi-independent | unregulated | out of area | homes for children | "
        "right home | find a home | finding a home | matching | vacanc* | provider* market | market shaping | "
        "framework provider*",
        ("placements",),
    ),
    _c(
        "demand-planning",
        "forecasting need for homes and services",
        "forecast* | demand model* | demand planning | projection* | scenario* | future need* | "
        "years ahead | capital programme* | sufficiency strateg* | needs analysis",
        ("placements", "risk-analytics"),
    ),
    _c(
        "foster-recruitment",
        "recruiting foster carers",
        "foster carer recruitment | recruit foster carer* | recruiting foster carer* | prospective foster carer* | "
        "fostering enquir* | fostering application* | become a foster carer",
        ("placements",),
    ),
    # --- administration --------------------------------------------------------------------------
    _c(
        "admin",
        "administration and business support",
        "business support | admin* | clerical | scheduling | schedul* | arrang* meeting* | rearrang* | "
        "booking | book* room* | calendar* | invitation* | letter* | form | forms | online form* | re-key* | "
        "rekey* | data entry | workflow* | automat* | routine task* | manual process* | logistic* | "
        "email* referral* | inbox* | template letter*",
        ("admin-automation",),
    ),
    _c(
        "family-time",
        "family time and contact arrangements",
        "family time | contact arrangement* | supervised contact | contact session* | contact centre booking | "
        "arrange contact | transport | escort* | venue*",
        ("admin-automation",),
    ),
    _c(
        "records-access",
        "access to records and redaction",
        "subject access | subject access request* | sar | sars | access to record* | records request* | "
        "request* for their record* | care leaver* record* | care-experienced adult* | care experienced adult* | "
        "redact* | third-party information | third party information | foi | freedom of information | "
        "release of record* | records release | historic record* | archive* | paper file*",
        ("admin-automation", "summarisation"),
    ),
    _c(
        "care-leavers",
        "care leavers and care-experienced young people",
        "care leaver* | leaving care | care-experienced | care experienced | personal adviser* | pathway plan* | "
        "staying in touch | keep in touch | moved away | local offer | corporate parent*",
    ),
    _c(
        "children-in-care",
        "children in care and their plans",
        "children in care | looked after | looked-after | child in care | care plan* | looked after review* | "
        "independent reviewing officer* | iro* | permanence plan* | care review*",
    ),
    _c(
        "child-protection",
        "child protection and safeguarding",
        "child protection | safeguarding | section 47 | s47 | child in need | cin | significant harm | "
        "strategy discussion* | protection plan*",
    ),
    # --- sectors other than children's social care --------------------------------------------
    _c(
        "sector-adults",
        "adult social care",
        "adult social care | older people | older adult* | dementia | reablement | care home resident* | "
        "residential care for adult* | supported living | autistic adult* | adults with learning disabilit* | "
        "disabled adult* | carers assessment",
        sector="adults",
    ),
    _c(
        "sector-housing",
        "housing",
        "damp | mould | tenant* | landlord* | housing association* | social housing | repair* | propert*",
        sector="housing",
    ),
    _c(
        "sector-schools",
        "schools",
        "school admission* | admissions | home-to-school transport | academ* | pupil* | teacher* | "
        "designated safeguarding lead* | attendance team* | school attendance",
        sector="schools",
    ),
    _c(
        "sector-police",
        "policing and criminal justice",
        "interview* under caution | prosecutor* | police interview* | criminal justice | custody | "
        "achieving best evidence | abe interview*",
        sector="police",
    ),
    _c(
        "sector-health",
        "health clinics",
        "gp practice* | gp surger* | clinical documentation | clinic letter* | patient* | clinician* | "
        "consultation note* | primary care",
        sector="health",
    ),
    _c(
        "sector-corporate",
        "council corporate services",
        "council tax | waste | bin collection* | parking | benefits enquir* | committee meeting* | cabinet | "
        "democratic services | councillor* | webcast* | public consultation* | consultation response* | "
        "payroll | expenses | annual leave | hr polic* | appraisal* | objectives | customer service centre* | "
        "library | libraries",
        sector="corporate",
    ),
)

# Words that bring a sector into a challenge without making it about that sector: a challenge
# that draws on schools' attendance data or council-wide HR may be served, in part, by a tool
# built for that sector, so its discount is softened (outcomes.matching.engine.sector_penalty).
SECTOR_MENTIONS: tuple[Concept, ...] = (
    _c("mention-adults", "adult services", "adult* | adulthood | transition* to adult* | over 18*", mentions="adults"),
    _c(
        "mention-housing",
        "housing",
        "housing | homeless* | temporary accommodation | tenanc* | housing officer*",
        mentions="housing",
    ),
    _c(
        "mention-schools",
        "schools and education",
        "school* | education* | teacher* | pupil* | attendance | exclusion* | headteacher*",
        mentions="schools",
    ),
    _c(
        "mention-police",
        "the police",
        "police | policing | officer* from the police | youth justice",
        mentions="police",
    ),
    _c(
        "mention-health",
        "health services",
        "health | nhs | gp* | hospital* | health visitor* | midwi* | school nurse* | camhs | clinic*",
        mentions="health",
    ),
    _c(
        "mention-corporate",
        "council-wide services",
        "hr | human resources | council-wide | corporate | whole council | across the council | "
        "all council staff | every directorate | performance management",
        mentions="corporate",
    ),
)

BY_NAME: dict[str, Concept] = {c.name: c for c in CONCEPTS + SECTOR_MENTIONS}

# Concepts that practice joins: a problem named in one is often solved by tools described in the
# other ("care proceedings" need a chronology for the court bundle; a child's review draws on a
# summary of the record). A challenge naming the first reaches the second at a lower weight than
# its own words (outcomes.matching.query.RELATED_WEIGHT). General practice knowledge, one way.
RELATED: dict[str, tuple[str, ...]] = {
    "court": ("summarisation",),  # the PLO asks for a chronology in every application
    "case-transfer": ("summarisation",),
    "children-in-care": ("summarisation", "voice-of-child"),  # reviews read the record, hear the child
    "care-leavers": ("records-access", "chatbot"),  # their own records; entitlements online
    "accessible": ("translation", "chatbot"),  # family-facing information
    "chatbot": ("accessible",),
    "front-door": ("early-help", "single-view"),
    "early-help": ("predictive", "single-view"),
    "exploitation": ("single-view",),
    "visits": ("recording",),
    "supervision": ("recording",),
    "meetings": ("recording",),
    "workforce": ("wellbeing",),
}
