"""Looking up one contact: `phonebank why` and `phonebank script --contact`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from phonebank import scripts
from phonebank.config import Campaign, Config
from phonebank.db import session, utc
from phonebank.errors import NotFound, PhoneRejected
from phonebank.hours import ContactState, Verdict, explain
from phonebank.models import Contact, DoNotCall
from phonebank.phones import normalize


def find_contact(engine: Engine, campaign: Campaign, id_or_phone: str) -> Contact:
    """A contact by database id, external id or phone number."""
    with session(engine) as db:
        query = select(Contact).where(col(Contact.campaign) == campaign.slug)
        if id_or_phone.isdigit() and len(id_or_phone) < 9:
            found = (
                db.execute(query.where(col(Contact.id) == int(id_or_phone)))
                .scalars()
                .first()
            )
            if found:
                return found
        found = (
            db.execute(query.where(col(Contact.external_id) == id_or_phone))
            .scalars()
            .first()
        )
        if found:
            return found
        phone = _e164(id_or_phone, campaign.contacts.country)
        found = (
            db.execute(query.where(col(Contact.phone) == phone)).scalars().first()
            if phone
            else None
        )
        if found:
            return found
    raise NotFound(
        f"no contact '{id_or_phone}' in campaign {campaign.slug}",
        "Give a contact id, an external id or the phone number as imported",
    )


def _e164(text: str, country: str) -> str | None:
    try:
        return normalize(text, country).e164
    except PhoneRejected:
        return None


def why(engine: Engine, campaign: Campaign, phone: str, at: datetime) -> Verdict:
    """Whether a contact would be called at `at`, and every reason not."""
    contact = find_contact(engine, campaign, phone)
    with session(engine) as db:
        on_list = db.get(DoNotCall, contact.phone) is not None
    state = ContactState(
        zones=list(contact.time_zones or []),
        tz_source=contact.tz_source,
        status=contact.status,
        attempts=contact.attempts,
        next_attempt_at=utc(contact.next_attempt_at),
        on_do_not_call=on_list,
        claimed_until=utc(contact.claim_expires_at) if contact.claimed_by else None,
    )
    return explain(state, campaign, at)


def preview(
    config: Config, engine: Engine | None, campaign: Campaign, id_or_phone: str | None
) -> scripts.Rendered:
    """The whisper and sheet for one contact, or for sample values."""
    if id_or_phone and engine is not None:
        contact = find_contact(engine, campaign, id_or_phone)
        return scripts.render(config, campaign, scripts.contact_context(contact))
    used = scripts.required_fields(config, campaign)
    return scripts.render(config, campaign, scripts.sample_fields(used))
