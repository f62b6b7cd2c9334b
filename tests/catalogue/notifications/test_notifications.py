"""Notifications: who hears about what (visibility first), follows, alerts, unsubscribe, and the
outbox against a real local SMTP server that is up, down, and up again."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_string
from email import policy as email_policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from catalogue.db import utcnow
from catalogue.notifications import sending, services
from catalogue.notifications.models import AlertSubscription, Follow, Notification, OutboxEmail
from tests.factories import (
    ChallengeFactory,
    DeploymentFactory,
    FollowFactory,
    OrganisationFactory,
    ToolFactory,
    UserFactory,
)
from tests.helpers.requests import fresh

# Each request in its own app context, the test session refreshed around it (tests.helpers.requests).
pytestmark = pytest.mark.usefixtures("isolated_requests")

MARKER = "zebracorn-secret-42"


# --- a real SMTP server on a free localhost port ------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(bytes(envelope.original_content))
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(app_config: dict, smtp_port: int) -> dict:
    # The search engineer's after-request sync is not under test here.
    return {
        **app_config,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 5,
        "SEARCH_SYNC_AFTER_REQUEST": False,
    }


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Collector()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[tuple[list[str], str]]:
        return self.handler.messages


@pytest.fixture
def smtp_server(smtp_port: int):
    server = SmtpServer(smtp_port)
    yield server
    server.stop()


# --- a small world ------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    owner = OrganisationFactory(kind="local-authority", name="Owning Council")
    other_la = OrganisationFactory(kind="local-authority", name="Other Council")
    supplier = OrganisationFactory(kind="supplier", name="Acme Supplier")
    users = {
        "owner": UserFactory(organisation_id=owner.id),
        "other_la": UserFactory(organisation_id=other_la.id),
        "supplier": UserFactory(organisation_id=supplier.id),
        "pending": UserFactory(organisation_id=other_la.id, status="pending"),
    }
    tool = ToolFactory(name="Notewise")
    for user in users.values():
        FollowFactory(user=user, tool=tool)
    return {"owner": owner, "other_la": other_la, "supplier": supplier, "users": users, "tool": tool}


def _recipients(db, kind: str = "deployment") -> set[int]:
    return {n.user_id for n in db.exec(select(Notification).where(Notification.record_kind == kind))}


def _emails(db) -> list[OutboxEmail]:
    return list(db.exec(select(OutboxEmail).order_by(OutboxEmail.id)))


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        ("public", {"other_la", "supplier", "pending"}),
        ("authorities", {"other_la"}),
        ("private", set()),
    ],
)
def test_new_deployment_reaches_only_followers_who_may_see_it(db, world, visibility, expected):
    users = world["users"]
    dep = DeploymentFactory(
        organisation_id=world["owner"].id,
        tool_id=world["tool"].id,
        visibility=visibility,
        summary=f"Summary with {MARKER}",
        created_by_id=users["owner"].id,
    )
    services.on_deployment_created(db, dep)
    db.commit()
    got = _recipients(db)
    assert got == {users[name].id for name in expected}
    # The creator is not told about their own record; nobody else hears of it by email either.
    emails = _emails(db)
    assert {e.user_id for e in emails} == got
    for email in emails:
        assert MARKER in email.body
    leaked = [e for e in emails if e.user_id == users["supplier"].id]
    assert (visibility == "public") is bool(leaked)


def test_private_deployment_reaches_members_of_its_own_organisation(db, world):
    colleague = UserFactory(organisation_id=world["owner"].id)
    FollowFactory(user=colleague, tool=world["tool"])
    dep = DeploymentFactory(
        organisation_id=world["owner"].id,
        tool_id=world["tool"].id,
        visibility="private",
        created_by_id=world["users"]["owner"].id,
    )
    services.on_deployment_created(db, dep)
    db.commit()
    assert _recipients(db) == {colleague.id}


def test_challenge_events_skip_followers_who_cannot_see_a_draft(db, world):
    users = world["users"]
    challenge = ChallengeFactory(owner_id=world["owner"].id, status="draft", title="Evening write-ups")
    for user in (users["owner"], users["supplier"]):
        FollowFactory(user=user, kind="challenge", record_id=challenge.id)
    services.on_challenge_event(db, challenge, "status", f"now in draft {MARKER}")
    db.commit()
    assert _recipients(db, "challenge") == {users["owner"].id}

    challenge.status = "open"
    db.add(challenge)
    services.on_challenge_event(db, challenge, "qa", "Q: Is there a budget? A: Yes.")
    db.commit()
    notes = db.exec(select(Notification).where(Notification.topic == "challenge-qa")).all()
    assert {n.user_id for n in notes} == {users["owner"].id, users["supplier"].id}
    assert all(n.subject == "New question and answer on Evening write-ups" for n in notes)


def test_notify_rejects_unknown_kinds(db, world):
    with pytest.raises(ValueError, match="no visibility rule"):
        services.notify(db, [world["users"]["owner"]], "s", "b", "/", record=world["tool"], kind="mystery")


# --- follow buttons and the notifications page ---------------------------------------------------


def test_follow_and_unfollow_a_tool(db, world, client_as):
    user = UserFactory(organisation_id=world["other_la"].id)
    client = client_as(user)
    tool = world["tool"]
    response = client.post(f"/follow/tool/{tool.id}", data={"next": "/tools/x"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/tools/x")
    assert services.is_following(db, user.id, "tool", tool.id)
    # Twice is fine; an off-site `next` is ignored.
    response = client.post(f"/follow/tool/{tool.id}", data={"next": "https://evil.example/"})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]
    assert len(db.exec(select(Follow).where(Follow.user_id == user.id)).all()) == 1
    page = client.get("/notifications").get_data(as_text=True)
    assert "Notewise" in page and "Stop following" in page
    client.post(f"/unfollow/tool/{tool.id}")
    assert not services.is_following(db, user.id, "tool", tool.id)


def test_follow_needs_sign_in_and_a_visible_record(db, world, client, client_as):
    tool = world["tool"]
    response = client.post(f"/follow/tool/{tool.id}")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    supplier = client_as(world["users"]["supplier"])
    assert supplier.post("/follow/tool/999999").status_code == 404
    draft = ChallengeFactory(owner_id=world["owner"].id, status="draft")
    assert supplier.post(f"/follow/challenge/{draft.id}").status_code == 404
    assert supplier.post(f"/follow/deployment/{draft.id}").status_code == 404
    published = ChallengeFactory(owner_id=world["owner"].id, status="open")
    assert supplier.post(f"/follow/challenge/{published.id}").status_code == 303


def test_follow_buttons_partial(app, db, world, client_as):
    from flask import render_template_string

    user = world["users"]["other_la"]
    template = (
        '{% from "notifications/follow_buttons.html" import follow_buttons %}'
        '{{ follow_buttons("tool", tool.id, tool.name) }}'
    )
    with app.test_request_context("/tools/x"):
        anonymous = render_template_string(template, tool=world["tool"])
    assert "Sign in" in anonymous and "<form" not in anonymous
    with app.test_request_context("/tools/x"):
        from flask_login import login_user

        login_user(user)
        signed_in = render_template_string(template, tool=world["tool"])
    assert f'action="/unfollow/tool/{world["tool"].id}"' in signed_in and "Stop following" in signed_in


def test_notifications_page_lists_only_mine_and_marks_read(db, world, client_as):
    users = world["users"]
    services.notify(db, [users["owner"]], "For the owner", "body", "/x")
    services.notify(db, [users["other_la"]], f"Someone else's {MARKER}", "body", "/y")
    db.commit()
    client = client_as(users["owner"])
    page = client.get("/notifications").get_data(as_text=True)
    assert "For the owner" in page and MARKER not in page and "Notifications – Signpost" in page
    assert services.unread_count(db, users["owner"].id) == 1
    mine = db.exec(select(Notification).where(Notification.user_id == users["owner"].id)).one()
    theirs = db.exec(select(Notification).where(Notification.user_id == users["other_la"].id)).one()
    # Marking someone else's notification changes nothing.
    client.post("/notifications/read", data={"id": theirs.id})
    assert services.unread_count(db, users["other_la"].id) == 1
    client.post("/notifications/read", data={"id": mine.id})
    assert services.unread_count(db, users["owner"].id) == 0


def test_notifications_page_needs_sign_in(client):
    assert client.get("/notifications").status_code == 302


# --- alerts -----------------------------------------------------------------------------------


def test_alerts_form_bad_input_keeps_what_was_typed(db, world, client_as):
    client = client_as(world["users"]["supplier"])
    response = client.post(
        "/account/alerts", data={"categories": ["transcription", "nonsense"], "keywords": "ok\nchronology"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "is not a code we know" in page
    assert "chronology" in page and "Error: Challenge alerts – Signpost" in page
    response = client.post("/account/alerts", data={"categories": "transcription", "keywords": "ok\nchronology"})
    assert "at least 3 characters" in response.get_data(as_text=True)
    assert db.exec(select(AlertSubscription)).first() is None


def test_alerts_form_saves_and_turns_off(db, world, client_as):
    user = world["users"]["supplier"]
    client = client_as(user)
    response = client.post(
        "/account/alerts", data={"categories": ["transcription", "chatbot"], "keywords": "care leavers\n\nchronology"}
    )
    assert response.status_code == 303
    sub = services.get_alerts(db, user.id)
    assert (
        sub.active and sub.categories == ["transcription", "chatbot"] and sub.keywords == ["care leavers", "chronology"]
    )
    page = client.get("/account/alerts").get_data(as_text=True)
    assert "care leavers" in page
    client.post("/account/alerts", data={})
    fresh(db)
    assert not sub.active


# --- unsubscribe --------------------------------------------------------------------------------


def test_unsubscribe_link_stops_following_after_confirmation(db, world, client):
    user = world["users"]["other_la"]
    dep = DeploymentFactory(organisation_id=world["owner"].id, tool_id=world["tool"].id, visibility="public")
    services.on_deployment_created(db, dep)
    db.commit()
    email = db.exec(select(OutboxEmail).where(OutboxEmail.user_id == user.id)).one()
    link = f"/notifications/unsubscribe/{email.unsubscribe_token}"
    assert link in email.body
    page = client.get(link)
    assert page.status_code == 200 and "Notewise" in page.get_data(as_text=True)
    assert services.is_following(db, user.id, "tool", world["tool"].id), "GET must change nothing"
    done = client.post(link)
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    assert not services.is_following(db, user.id, "tool", world["tool"].id)
    assert services.is_following(db, world["users"]["supplier"].id, "tool", world["tool"].id)


def test_unsubscribe_from_alerts_and_direct_emails(db, world, client):
    user = world["users"]["supplier"]
    db.add(AlertSubscription(user_id=user.id, categories=["transcription"], keywords=[]))
    db.commit()
    token = services.unsubscribe_token(user.id, services.Unsubscribe("alerts"))
    client.post(f"/notifications/unsubscribe/{token}")
    assert services.get_alerts(db, user.id).active is False

    token = services.unsubscribe_token(user.id, services.Unsubscribe("emails"))
    client.post(f"/notifications/unsubscribe/{token}")
    services.notify(db, [user], "Direct message", "body", "/x")
    db.commit()
    assert db.exec(select(Notification).where(Notification.subject == "Direct message")).one()
    assert not [e for e in _emails(db) if e.subject == "Direct message"], "emails are off; in-app continues"


def test_tampered_unsubscribe_token_is_not_found(db, world, client):
    token = services.unsubscribe_token(world["users"]["owner"].id, services.Unsubscribe("emails"))
    assert client.get(f"/notifications/unsubscribe/{token[:-2]}xx").status_code == 404
    assert client.post("/notifications/unsubscribe/not-a-token").status_code == 404


# --- the outbox ---------------------------------------------------------------------------------


def _queue_one(db, user, subject: str = "Hello from the outbox") -> OutboxEmail:
    services.notify(db, [user], subject, "Body text", "/notifications")
    db.commit()
    return db.exec(select(OutboxEmail).where(OutboxEmail.subject == subject)).one()


def test_sent_mail_arrives_with_an_unsubscribe_link(app, db, world, smtp_server):
    smtp_server.start()
    user = world["users"]["owner"]
    email = _queue_one(db, user)
    result = services.send_pending(app)
    assert result.sent == 1
    assert len(smtp_server.messages) == 1
    rcpts, content = smtp_server.messages[0]
    message = message_from_string(content, policy=email_policy.default)
    assert rcpts == [user.email]
    assert message["Subject"] == "Hello from the outbox"
    body = message.get_content()
    assert "Body text" in body and "http://127.0.0.1:5000/notifications" in body
    assert f"http://127.0.0.1:5000/notifications/unsubscribe/{email.unsubscribe_token}" in body
    assert email.unsubscribe_token in message["List-Unsubscribe"]
    fresh(db)
    assert email.status == "sent" and email.attempts == 1 and email.sent_at is not None
    # Sent mail is not sent again.
    assert services.send_pending(app).sent == 0


def test_list_unsubscribe_arrives_unfolded_with_one_click(app, db, world, smtp_server):
    app.config["BASE_URL"] = "https://signpost.children-social-care.example.gov.uk/catalogue"
    smtp_server.start()
    email = _queue_one(db, world["users"]["owner"])
    assert services.send_pending(app).sent == 1
    raw = smtp_server.handler.raw[0]
    url = f"{app.config['BASE_URL']}/notifications/unsubscribe/{email.unsubscribe_token}"
    assert len(url) > 78
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in raw, raw[:2000]
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" not in headers.lower() and b"\r\n " not in headers and b"\r\n\t" not in headers


@pytest.fixture
def csrf_app(app_config: dict, db):
    from catalogue import create_app

    application = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    yield application
    application.extensions["catalogue.engine"].dispose()


def test_one_click_unsubscribe_needs_no_csrf_token_but_other_forms_do(db, world, csrf_app):
    user = world["users"]["other_la"]
    token = services.unsubscribe_token(user.id, services.Unsubscribe("follow", "tool", world["tool"].id))
    link = f"/notifications/unsubscribe/{token}"
    client = csrf_app.test_client()
    with csrf_app.app_context():
        assert client.get(link).status_code == 200
        assert services.is_following(db, user.id, "tool", world["tool"].id), "GET only asks"
        # What a mail client sends for RFC 8058: a form body, no cookies, no CSRF token.
        done = client.post(link, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200, done.get_data(as_text=True)
        fresh(db)
        assert not services.is_following(db, user.id, "tool", world["tool"].id)
        assert client.post(f"{link[:-2]}xx", data={"List-Unsubscribe": "One-Click"}).status_code == 404
        # Only that route is exempt.
        assert client.post("/notifications/read").status_code == 400
        assert client.post(f"/unfollow/tool/{world['tool'].id}").status_code == 400


def test_smtp_down_keeps_the_write_and_retries_later_from_the_cli(app, db, world, smtp_server):
    user = world["users"]["owner"]
    email = _queue_one(db, user)
    # The server is down: the notification and the email row are committed all the same.
    result = services.send_pending(app)
    assert result.sent == 0 and result.retrying == 1
    fresh(db)
    assert email.status == "pending" and email.attempts == 1
    assert email.last_error and email.next_attempt_at > utcnow()
    assert db.exec(select(Notification).where(Notification.user_id == user.id)).one()
    # Not due yet: nothing is tried.
    assert services.send_pending(app).retrying == 0
    smtp_server.start()
    email.next_attempt_at = utcnow() - timedelta(seconds=1)  # as if the backoff has passed
    db.add(email)
    db.commit()
    output = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert output.exit_code == 0, output.output
    assert "sent 1" in output.output
    fresh(db)
    assert email.status == "sent" and email.attempts == 2
    assert len(smtp_server.messages) == 1


class Refuser(Collector):
    """Answers DATA by subject: 451 (try later) or 550 (refused for good); accepts the rest."""

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content.decode("utf8", "replace")
        if "TEMPFAIL" in content:
            return "451 4.3.0 Try again later"
        if "PERMFAIL" in content:
            return "550 5.7.1 Message refused"
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize(("marker", "status"), [("TEMPFAIL", "pending"), ("PERMFAIL", "failed")])
def test_a_refused_email_keeps_the_write_and_the_rest_of_the_batch_goes_out(
    app, db, world, smtp_server, marker, status
):
    smtp_server.handler = Refuser()
    smtp_server.start()
    user = world["users"]["owner"]
    first = _queue_one(db, user, "First of the batch")
    refused = _queue_one(db, user, f"Refused {marker}")
    last = _queue_one(db, user, "Last of the batch")
    result = services.send_pending(app)
    assert result.sent == 2 and (result.retrying, result.failed) == ((1, 0) if status == "pending" else (0, 1))
    subjects = [m[1] for m in smtp_server.messages]
    assert any("First of the batch" in m for m in subjects) and any("Last of the batch" in m for m in subjects)
    fresh(db)
    assert first.status == "sent" and last.status == "sent"
    assert refused.status == status and refused.attempts == 1
    assert ("451" if status == "pending" else "550") in refused.last_error
    # The write that queued it is untouched.
    assert db.exec(select(Notification).where(Notification.subject == f"Refused {marker}")).one()
    if status == "pending":
        # 451 is temporary: once the backoff has passed and the server accepts, it goes out.
        assert refused.next_attempt_at > utcnow()
        smtp_server.handler.messages.clear()
        refused.subject = "Accepted now"
        refused.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.add(refused)
        db.commit()
        assert services.send_pending(app).sent == 1
        fresh(db)
        assert refused.status == "sent" and refused.attempts == 2
    else:
        # 550 is permanent: never tried again.
        assert services.send_pending(app).sent == 0
        fresh(db)
        assert refused.status == "failed" and refused.attempts == 1


def test_backoff_grows_and_gives_up_after_max_attempts(app, db, world):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    email = _queue_one(db, world["users"]["owner"])
    delays = []
    for _ in range(3):
        before = utcnow()
        services.send_pending(app)
        fresh(db)
        delays.append(email.next_attempt_at - before)
        email.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.add(email)
        db.commit()
    fresh(db)
    assert email.status == "failed" and email.attempts == 3
    assert delays[1] > delays[0]
    assert services.send_pending(app).retrying == 0


def test_an_email_is_claimed_by_one_worker_only(app, db, world):
    email = _queue_one(db, world["users"]["owner"])
    assert sending._claim(app, email.id) is True
    assert sending._claim(app, email.id) is False
    fresh(db)
    assert email.status == "sending" and email.attempts == 1
    # A worker that died mid-send: after the stale period another may take it.
    email.claimed_at = utcnow() - sending.STALE_CLAIM - timedelta(seconds=1)
    db.add(email)
    db.commit()
    assert sending._claim(app, email.id) is True


def test_emails_queued_by_a_request_go_out_after_the_response(app, db, world, smtp_server):
    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    user_id = world["users"]["owner"].id

    def _write():
        from catalogue.accounts.models import User
        from catalogue.db import get_session

        session = get_session()
        services.notify(session, [session.get(User, user_id)], "Queued in a request", "body", "/x")
        session.commit()
        return "ok"

    app.add_url_rule("/_test/notify", view_func=_write, methods=["POST"])
    client = app.test_client()
    # Server down: the request still succeeds and the email waits in the outbox.
    response = client.post("/_test/notify")
    assert response.status_code == 200
    response.close()
    email = db.exec(select(OutboxEmail).where(OutboxEmail.subject == "Queued in a request")).one()
    assert email.status == "pending" and email.attempts == 1 and email.last_error
    # Server up: the next request's emails are delivered once its response is closed.
    smtp_server.start()
    response = client.post("/_test/notify")
    response.close()
    assert [m for m in smtp_server.messages if "Queued in a request" in m[1]]


def test_mail_retry_settings_come_from_the_environment(monkeypatch) -> None:
    from catalogue.config import load_config

    monkeypatch.setenv("MAIL_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("MAIL_RETRY_SECONDS", "2.5")
    config = load_config()
    assert config["MAIL_MAX_ATTEMPTS"] == 3 and config["MAIL_RETRY_SECONDS"] == 2.5


def test_account_emails_offer_no_unsubscribe(app):
    # Confirmation and reset emails are not a list: no List-Unsubscribe, and no one-click header
    # that would point at nothing.
    row = SimpleNamespace(
        to_address="someone@example.org", subject="Confirm", body="Follow the link", unsubscribe_token=None
    )
    message = sending._message(app, row)
    assert "List-Unsubscribe" not in message and "List-Unsubscribe-Post" not in message


def test_a_line_break_in_a_title_neither_jams_the_outbox_nor_injects_a_header(app, db, world, smtp_server):
    # A challenge title with CR/LF became the Subject: the header policy raised ValueError, the
    # batch died and the row stayed 'sending'. Header values are cleaned when the message is built.
    smtp_server.start()
    user = world["users"]["owner"]
    challenge = ChallengeFactory(
        title="Better placements\r\nBcc: victim@example.org\nfor children", status="open", owner_id=world["owner"].id
    )
    FollowFactory(user=user, kind="challenge", record_id=challenge.id)
    first = _queue_one(db, user, "First of the batch")
    services.on_challenge_event(db, challenge, "status", "now open for proposals")
    db.commit()
    last = _queue_one(db, user, "Last of the batch")
    result = services.send_pending(app)
    assert (result.sent, result.failed, result.retrying) == (3, 0, 0)
    raw = b"".join(smtp_server.handler.raw)
    assert b"\r\nBcc:" not in raw
    assert b"Subject: Better placements Bcc: victim@example.org for children: now open for proposals\r\n" in raw
    fresh(db)
    assert first.status == "sent" and last.status == "sent"
    assert {e.status for e in _emails(db)} == {"sent"}


def test_any_failure_of_one_email_marks_it_failed_and_the_batch_goes_on(app, db, world, smtp_server, monkeypatch):
    smtp_server.start()
    user = world["users"]["owner"]
    first = _queue_one(db, user, "First of the batch")
    broken = _queue_one(db, user, "Cannot be built")
    last = _queue_one(db, user, "Last of the batch")
    build = sending._message

    def _message(app, row):
        if row.subject == "Cannot be built":
            raise UnicodeEncodeError("ascii", "é", 0, 1, "no")
        return build(app, row)

    monkeypatch.setattr(sending, "_message", _message)
    result = services.send_pending(app)
    assert (result.sent, result.failed, result.retrying) == (2, 1, 0)
    fresh(db)
    assert first.status == "sent" and last.status == "sent"
    assert broken.status == "failed" and "UnicodeEncodeError" in broken.last_error
    # Not tried again, and later batches are not held up by it.
    assert services.send_pending(app) == services.SendResult()


def test_an_email_left_sending_by_a_dead_worker_is_sent_after_the_timeout(app, db, world, smtp_server):
    smtp_server.start()
    email = _queue_one(db, world["users"]["owner"])
    assert sending._claim(app, email.id)  # ... and the worker dies here
    assert services.send_pending(app).sent == 0, "still within the claim timeout"
    fresh(db)
    email.claimed_at = utcnow() - sending.STALE_CLAIM - timedelta(seconds=1)
    db.add(email)
    db.commit()
    assert services.send_pending(app).sent == 1
    fresh(db)
    assert email.status == "sent" and email.attempts == 2


def test_an_email_that_keeps_killing_its_worker_is_given_up(app, db, world, smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    smtp_server.start()
    email = _queue_one(db, world["users"]["owner"])
    for _ in range(2):
        assert sending._claim(app, email.id)  # each worker dies mid-send
        fresh(db)
        email.claimed_at = utcnow() - sending.STALE_CLAIM - timedelta(seconds=1)
        db.add(email)
        db.commit()
    result = services.send_pending(app)
    assert (result.sent, result.failed) == (0, 1)
    fresh(db)
    assert email.status == "failed" and "stopped" in email.last_error
    assert not smtp_server.messages
