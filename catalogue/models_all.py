"""Imports every table, for the mapper, Alembic and `SQLModel.metadata`."""

import outcomes.models  # noqa: F401,E402

# Feature packages' tables: imported here only so metadata is complete; the core code never uses them.
import suppliers.models  # noqa: F401,E402
from catalogue.accounts.models import ApiToken, Organisation, PartnershipMember, User  # noqa: F401
from catalogue.cfe_models import CfeResponse  # noqa: F401
from catalogue.changes import AuditEvent, ChangeLog  # noqa: F401
from catalogue.notifications.models import AlertSubscription, EmailPreference, Follow, Notification, OutboxEmail  # noqa: F401
from catalogue.ratelimit import RateLimitCounter  # noqa: F401
from catalogue.records.ask_peer import PeerQuestion  # noqa: F401
from catalogue.records.models import Deployment, SingleView, Tool  # noqa: F401
