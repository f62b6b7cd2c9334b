"""Links inside GOV.UK summary lists are real anchors: the supplier profile's website, the
offering's catalogue tool and the account page's organisation. Names are still escaped."""

from __future__ import annotations

from tests.factories import OfferingFactory, OrganisationFactory, ToolFactory, UserFactory

NASTY = 'Acme <b>"bold"</b> & Co'


def _one_real_anchor(html: str, href: str) -> None:
    assert f'<a class="govuk-link" href="{href}">' in html
    assert "&lt;a" not in html and "&lt;/a&gt;" not in html
    assert "<b>" not in html and "&lt;b&gt;" in html, "the name is text, not markup"


def test_supplier_website_is_a_link(db, client):
    supplier = OrganisationFactory(kind="supplier", name="Linky Ltd", website="https://linky.example/?a=1&b=2")
    db.commit()
    html = client.get(f"/suppliers/{supplier.ref}").get_data(as_text=True)
    assert '<a class="govuk-link" rel="nofollow noopener noreferrer" href="https://linky.example/?a=1&amp;b=2">' in html
    assert "&lt;a" not in html


def test_offering_tool_is_a_link(db, client):
    supplier = OrganisationFactory(kind="supplier", name="Linky Ltd")
    tool = ToolFactory(name=NASTY, supplier_id=supplier.id)
    offering = OfferingFactory(supplier_id=supplier.id, tool_id=tool.id, status="published")
    db.commit()
    html = client.get(f"/offerings/{offering.ref}").get_data(as_text=True)
    _one_real_anchor(html, f"/tools/{tool.ref}")


def test_account_organisation_is_a_link(db, client_as):
    org = OrganisationFactory(kind="local-authority", name=NASTY)
    user = UserFactory(organisation_id=org.id)
    db.commit()
    html = client_as(user).get("/account").get_data(as_text=True)
    _one_real_anchor(html, f"/organisations/{org.ref}")
