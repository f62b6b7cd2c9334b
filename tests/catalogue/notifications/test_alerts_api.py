"""Challenge alerts and email preferences through the API, by the account pages' services: what a
GET returns can be PUT back, every field error at once, a read token may not write."""

from __future__ import annotations

from sqlmodel import select

from catalogue.accounts.services import issue_api_token
from catalogue.notifications import preferences
from catalogue.notifications.models import AlertSubscription
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers.api import call, errors_by_field


def _token(db) -> tuple[str, int]:
    user = UserFactory(organisation_id=OrganisationFactory(kind="supplier").id)
    token = issue_api_token(db, user)
    db.commit()
    return token, user.id


def test_alerts_round_trip_and_every_error_at_once(db, client) -> None:
    token, user_id = _token(db)
    empty = call(client, "GET", "/api/v1/alerts", token)
    assert empty.status_code == 200 and empty.get_json()["active"] is False
    category = next(iter(__import__("catalogue.vocabulary", fromlist=["CATEGORIES"]).CATEGORIES))
    saved = call(client, "PUT", "/api/v1/alerts", token, json={"categories": [category], "keywords": ["chronology"]})
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["active"] is True and body["categories"] == [category] and body["keywords"] == ["chronology"]
    # What a GET returns can be PUT back unchanged.
    again = call(client, "PUT", "/api/v1/alerts", token, json=call(client, "GET", "/api/v1/alerts", token).get_json())
    assert again.status_code == 200 and again.get_json()["keywords"] == ["chronology"]
    sub = db.exec(select(AlertSubscription).where(AlertSubscription.user_id == user_id)).one()
    assert sub.categories == [category]
    bad = call(client, "PUT", "/api/v1/alerts", token, json={"categories": ["no-such"], "keywords": ["ab"]})
    assert bad.status_code == 422 and set(errors_by_field(bad.get_json())) == {"categories", "keywords"}
    off = call(client, "PUT", "/api/v1/alerts", token, json={"categories": [], "keywords": []})
    assert off.get_json()["active"] is False
    assert call(client, "GET", "/api/v1/alerts", None).status_code == 401


def test_preferences_change_some_kinds_and_keep_the_rest(db, client) -> None:
    token, user_id = _token(db)
    before = call(client, "GET", "/api/v1/notification-preferences", token).get_json()
    assert set(before["choices"]) == set(preferences.KINDS) and before["kinds"]["challenge-news"]["label"]
    changed = call(
        client, "PATCH", "/api/v1/notification-preferences", token, json={"choices": {"challenge-news": "digest"}}
    )
    assert changed.status_code == 200, changed.get_json()
    after = changed.get_json()["choices"]
    assert after["challenge-news"] == "digest"
    assert {k: v for k, v in after.items() if k != "challenge-news"} == {
        k: v for k, v in before["choices"].items() if k != "challenge-news"
    }
    assert preferences.user_choices(db, user_id)["challenge-news"] == "digest"
    bad = call(client, "PATCH", "/api/v1/notification-preferences", token, json={"choices": {"no-kind": "sometimes"}})
    assert bad.status_code == 422 and "choices" in errors_by_field(bad.get_json())
    empty = call(client, "PATCH", "/api/v1/notification-preferences", token, json={"choices": {}})
    assert empty.status_code == 422
