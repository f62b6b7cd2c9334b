"""A small matching world: a challenge, offerings that fit it or not, deployments at each visibility."""

from __future__ import annotations

from tests.factories import (
    ChallengeFactory,
    DeploymentFactory,
    OfferingFactory,
    OrganisationFactory,
    ToolFactory,
)

MARKER = "zephyrquill"  # a word no real text contains: if it shows up, the record leaked


def matching_world() -> dict:
    owner = OrganisationFactory(name="Owning Council", case_management_system="Keystone Children's Record")
    other = OrganisationFactory(name="Other Council")
    third = OrganisationFactory(name="Third Council")
    supplier = OrganisationFactory(kind="supplier", name="Scribe Supplier Ltd")
    cms_vendor = OrganisationFactory(kind="supplier", name="Lattice Systems")
    scribe_tool = ToolFactory(name="Scribe", supplier_id=supplier.id)
    lattice_tool = ToolFactory(
        name="Lattice Voice", supplier_id=cms_vendor.id, delivery="embedded", case_management_systems=["Lattice CSC"]
    )
    standalone = OfferingFactory(
        ref="off-scribe",
        name="Scribe for visits",
        supplier_id=supplier.id,
        tool_id=scribe_tool.id,
        summary="Transcription of home visits into draft case notes.",
        description="Records the visit and drafts a case note for the social worker to approve.",
        outcomes=["Case notes on file the same day"],
        categories=["transcription"],
        delivery="standalone",
        case_management_systems=["Keystone Children's Record", "Lattice CSC"],
    )
    embedded = OfferingFactory(
        ref="off-lattice-voice",
        name="Lattice Voice",
        supplier_id=cms_vendor.id,
        tool_id=lattice_tool.id,
        summary="Transcription of home visits into draft case notes, inside Lattice CSC.",
        description="Records the visit and drafts a case note for the social worker to approve.",
        outcomes=["Case notes on file the same day"],
        categories=["transcription"],
        delivery="embedded",
        case_management_systems=["Lattice CSC"],
    )
    unrelated = OfferingFactory(
        ref="off-rota",
        name="Rota planner",
        supplier_id=supplier.id,
        summary="Shift patterns for residential staff.",
        description="Plans staff rotas for children's homes.",
        categories=["workforce"],
    )
    challenge = ChallengeFactory(
        ref="ch-evenings",
        owner_id=owner.id,
        title="Visit write-ups done in the evening",
        problem=f"Social workers write up home visits at night; case notes are late. {MARKER}",
        outcomes=[{"outcome": "Case notes on file within two days", "measure": "audit"}],
        status="open",
    )
    deployments = {
        "own": DeploymentFactory(
            ref="dep-own",
            organisation_id=owner.id,
            tool_id=scribe_tool.id,
            summary=f"Our own pilot of visit transcription. {MARKER}",
            visibility="public",
        ),
        "public": DeploymentFactory(
            ref="dep-public",
            organisation_id=other.id,
            tool_id=scribe_tool.id,
            summary="Visit transcription for all social workers.",
            visibility="public",
            stage="implemented",
        ),
        "authorities": DeploymentFactory(
            ref="dep-authorities",
            organisation_id=third.id,
            tool_id=scribe_tool.id,
            summary=f"Visit transcription, case notes drafted. {MARKER}",
            visibility="authorities",
            stage="pilot",
        ),
        "private": DeploymentFactory(
            ref="dep-private",
            organisation_id=third.id,
            tool_id=lattice_tool.id,
            summary=f"Private visit transcription notes {MARKER} {MARKER}.",
            visibility="private",
            stage="implemented",
        ),
        "dropped": DeploymentFactory(
            ref="dep-dropped",
            organisation_id=other.id,
            tool_id=lattice_tool.id,
            stage="dropped",
            summary="Dictation of visit case notes, piloted then dropped.",
            visibility="public",
            dropped_reasons=["accuracy", "staff-adoption"],
            dropped_detail="Drafts of case notes missed what children said; workers stopped using it.",
        ),
    }
    return {
        "owner": owner,
        "other": other,
        "third": third,
        "supplier": supplier,
        "challenge": challenge,
        "standalone": standalone,
        "embedded": embedded,
        "unrelated": unrelated,
        "deployments": deployments,
    }
