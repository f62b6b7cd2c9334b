"""The supplier dashboard's panels. Packages add their own from their init_app:

    features.add_dashboard_panel("my-proposals", my_proposals_panel)

where `my_proposals_panel(session, viewer)` returns None (nothing to show) or a dict with
`title`, `template` (a template path to include) and `context` (a dict the template reads as
`panel.context`; "suppliers/_panel_list.html" renders `items` of text/href/hint). Panels appear in the order registered, after "Your offerings" and
"References". Each panel must only show what `viewer` may see: ask catalogue.access.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from catalogue import features
from catalogue.access import Viewer


def panels(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    result = []
    for name, fn in features.dashboard_panels().items():
        panel = fn(session, viewer)
        if panel:
            result.append({"name": name, "context": {}, **panel})
    return result
