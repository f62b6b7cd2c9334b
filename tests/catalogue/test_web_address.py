"""Web addresses: one field type (http and https only) in every schema that takes one, and
templates that link a stored address only when it is one."""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re

import pytest
from marshmallow import Schema, ValidationError, fields
from sqlmodel import select

import catalogue
import outcomes
import suppliers
from catalogue.accounts.models import Organisation
from catalogue.accounts.schemas import SignUpSchema
from catalogue.bundle import BundleError, import_bundle
from catalogue.records.schemas import OrganisationProfileSchema, OrganisationSchema
from catalogue.web_address import WebAddress, is_web_address, web_link
from suppliers.schemas import LinkSchema, SupplierProfileSchema
from tests.factories import OfferingFactory, OrganisationFactory
from tests.helpers.bundle import dev_bundle

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "javascript://example.com/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example.com",
    "evil.example.com",
    "ftp://files.example.com/x",
    "https://exa mple.com",
    'https://example.com/"><script>',
]
GOOD = ["https://example.com", "http://example.com/path?q=1#top", "https://www.northshire.gov.uk/children"]


@pytest.mark.parametrize("value", HOSTILE)
def test_only_http_and_https_addresses_are_web_addresses(value: str) -> None:
    assert not is_web_address(value)


@pytest.mark.parametrize("value", GOOD)
def test_http_and_https_addresses_are_web_addresses(value: str) -> None:
    assert is_web_address(value)


def _schemas() -> set[type[Schema]]:
    for package in (catalogue, suppliers, outcomes):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: set[type[Schema]] = set()
    todo = [Schema]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in ("catalogue", "suppliers", "outcomes"):
                found.add(sub)
    return found


URLISH = re.compile(r"url|website|web_?address|homepage|href|uri$|link", re.IGNORECASE)
# Output only: the site's own path to a search hit, never typed by anyone.
# The API address of a record (a path on this site, not a web address anyone typed).
OUTPUT_ONLY = {("HitOut", "url"), ("ChangeOut", "url"), ("FollowOut", "url"), ("ChangesPageOut", "links")}


def test_every_web_address_field_in_every_schema_is_the_shared_field() -> None:
    checked = []
    for schema in _schemas():
        for name, field in schema._declared_fields.items():
            if not URLISH.search(name) or (schema.__name__, name) in OUTPUT_ONLY:
                continue
            if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
                continue  # a list of records: the nested schema is checked itself
            assert isinstance(field, WebAddress), f"{schema.__module__}.{schema.__name__}.{name}"
            checked.append((schema.__name__, name))
    # The ones the issue names are among them.
    for expected in [
        ("SignUpSchema", "new_organisation_website"),
        ("OrganisationSchema", "website"),
        ("OrganisationProfileSchema", "website"),
        ("SupplierProfileSchema", "website"),
        ("LinkSchema", "url"),
    ]:
        assert expected in checked


SIGN_UP = {
    "display_name": "Sam Example",
    "email": "sam@example.org",
    "password": "a long and unusual passphrase 42",
    "organisation_choice": "new",
    "new_organisation_name": "Brightwave Ltd",
    "new_organisation_kind": "supplier",
}


@pytest.mark.parametrize(
    ("schema", "data", "field"),
    [
        (SignUpSchema(), SIGN_UP, "new_organisation_website"),
        (OrganisationSchema(), {"ref": "brightwave", "name": "Brightwave", "kind": "supplier"}, "website"),
        (OrganisationProfileSchema(), {}, "website"),
        (SupplierProfileSchema(), {"name": "Brightwave"}, "website"),
        (LinkSchema(), {"title": "Guide"}, "url"),
    ],
)
@pytest.mark.parametrize("value", HOSTILE)
def test_every_schema_refuses_a_script_address(schema: Schema, data: dict, field: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        schema.load({**data, field: value})
    assert field in caught.value.messages


def test_sign_up_refuses_a_javascript_website_and_keeps_what_was_typed(db, client) -> None:
    response = client.post("/account/sign-up", data={**SIGN_UP, "new_organisation_website": "javascript:alert(1)"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the website address starting with https://" in page
    assert "Brightwave Ltd" in page
    assert db.exec(select(Organisation).where(Organisation.name == "Brightwave Ltd")).first() is None
    # A blank website is no website.
    assert SignUpSchema().load({**SIGN_UP, "new_organisation_website": ""})["new_organisation_website"] is None


def test_bundle_import_refuses_a_javascript_website(db) -> None:
    bundle = copy.deepcopy(dev_bundle())
    bundle["organisations"][0]["website"] = "javascript:alert(1)"
    with pytest.raises(BundleError) as caught:
        import_bundle(db, bundle)
    assert any("website" in problem for problem in caught.value.problems), caught.value.problems


def test_web_link_links_only_web_addresses() -> None:
    assert str(web_link("https://example.com/a?b=1&c=2")) == (
        '<a class="govuk-link" rel="nofollow noopener noreferrer" href="https://example.com/a?b=1&amp;c=2">'
        "https://example.com/a?b=1&amp;c=2</a>"
    )
    assert str(web_link("javascript:alert(1)")) == "javascript:alert(1)"
    assert str(web_link("javascript:alert(1)", "<b>Guide</b>")) == "&lt;b&gt;Guide&lt;/b&gt;"
    assert str(web_link(None)) == ""


def test_pages_never_link_a_stored_script_address(db, client) -> None:
    # Rows written before the check (or by hand): shown as text, never as a link.
    supplier = OrganisationFactory(kind="supplier", name="Old Supplier", website="javascript:alert('profile')")
    council = OrganisationFactory(kind="local-authority", name="Old Council", website="javascript:alert('org')")
    offering = OfferingFactory(
        supplier_id=supplier.id,
        links=[
            {"title": "Script guide", "url": "javascript:alert('doc')"},
            {"title": "Real guide", "url": "https://example.com/guide.pdf"},
        ],
    )
    pages = {
        f"/suppliers/{supplier.ref}": "javascript:alert(&#39;profile&#39;)",
        f"/organisations/{council.ref}": "javascript:alert(&#39;org&#39;)",
        f"/offerings/{offering.ref}": "Script guide",
    }
    for path, shown in pages.items():
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert shown in page, path
        assert 'href="javascript' not in page.lower(), path
    offering_page = client.get(f"/offerings/{offering.ref}").get_data(as_text=True)
    assert 'href="https://example.com/guide.pdf">Real guide</a>' in offering_page
