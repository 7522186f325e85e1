"""The volunteer's call sheet: the script of the contact on the line, if any.

Each volunteer has a private link (a random token). The page shows the sheet
rendered for the contact they are talking to, never the number, and nothing
when no call is live.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from phonebank import scripts, volunteers
from phonebank.config import Config
from phonebank.db import reading
from phonebank.models import Attempt, Contact, Shift


def live_sheet(config: Config, engine: Engine, token: str) -> tuple[str, str] | None:
    """The volunteer's name and the sheet of the contact on the line, if any."""
    volunteer = volunteers.by_token(engine, token)
    if volunteer is None:
        return None
    with reading(engine) as db:
        row = db.execute(
            select(Attempt, Contact)
            .join(Shift, col(Shift.id) == col(Attempt.shift_id))
            .join(Contact, col(Contact.id) == col(Attempt.contact_id))
            .where(
                col(Shift.volunteer_id) == volunteer.id,
                col(Shift.ended_at).is_(None),
                col(Attempt.state).in_(("dialing", "awaiting_result")),
            )
            .order_by(col(Attempt.id).desc())
            .limit(1)
        ).first()
    if row is None:
        return volunteer.name, ""
    attempt, contact = row
    campaign = config.campaign(attempt.campaign)
    fields = scripts.contact_context(contact)
    sheet = scripts.render(config, campaign, fields, volunteer.name).sheet
    return volunteer.name, sheet
