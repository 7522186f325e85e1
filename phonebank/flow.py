"""The volunteer's call, step by step: webhook facts in, the next XML out.

Each method answers one webhook. It reads the facts it needs, records what
happened through the dialer, and asks `callflow` for the document. Every step
is idempotent: the shift and attempt ids travel in the URLs, and a repeated or
late request finds the state already moved and returns the same document.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from phonebank import callflow, dialer, hours, scripts, shifts, volunteers
from phonebank.callflow import Urls
from phonebank.clock import Clock
from phonebank.config import Campaign, Config
from phonebank.db import reading, session
from phonebank.models import Attempt, Contact, Shift, Volunteer

log = logging.getLogger(__name__)
Params = Mapping[str, str]
# A volunteer waits on the line when a contact becomes callable this soon
# (a retry falling due, a time zone reaching its calling hours); longer, and
# volunteers would sit through a trickle of retries at the end of a list.
HOLD_LIMIT = timedelta(minutes=5)
HOLD_SECONDS = 45


def number(params: Params, name: str, default: int) -> int:
    """A whole-number parameter; anything else reads as `default` (no such id)."""
    text = params.get(name, "")
    return int(text) if text.isdigit() and len(text) < 12 else default


def caller_number(form: Params) -> str:
    """The calling number in E.164; Plivo sends it as digits without the +."""
    raw = form.get("From", "").strip()
    if raw.startswith("sip:") or not raw:
        return raw
    return raw if raw.startswith("+") else f"+{raw}"


OVER = callflow.goodbye("That call is over. Goodbye.")
AttemptStep = Callable[["Flow", Attempt, Contact, Campaign, Params], str]


def _on_attempt(step: AttemptStep) -> Callable[[Flow, Params, Params], str]:
    """A step about one attempt, named in the URL; an attempt that is unknown
    (or whose campaign left the config) ends the call politely."""

    @functools.wraps(step)
    def run(flow: Flow, query: Params, form: Params) -> str:
        found = flow._attempt(number(query, "attempt", 0))
        if found is None:
            return OVER
        return step(flow, *found, form)

    return run


class Flow:
    """The webhook steps of direct mode, bound to one config and database."""

    def __init__(self, config: Config, engine: Engine, clock: Clock) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.urls = Urls(config.settings.public_url)
        self.campaigns = {c.slug: c for c in config.campaigns}
        self.security = config.settings.security

    def open_campaigns(self) -> list[Campaign]:
        now = self.clock.now()
        return [c for c in self.config.campaigns if hours.window_open(c, now)]

    def _next_opening(self) -> str | None:
        now = self.clock.now()
        openings = [
            (t, c)
            for c in self.config.campaigns
            if (t := hours.next_window_open(c, now)) is not None
        ]
        if not openings:
            return None
        moment, campaign = min(openings, key=lambda pair: pair[0])
        return hours.describe_moment(moment, campaign)

    # Check-in -----------------------------------------------------------

    def answer(self, query: Params, form: Params) -> str:
        """The check-in number was called: ask for the PIN, or say why not."""
        if form.get("Event") == "Hangup":
            return self.hangup(query, form)
        attempt = number(query, "attempt", 1)
        caller = caller_number(form)
        if volunteers.locked_until(self.engine, caller, self.clock.now()):
            return callflow.goodbye(
                "Too many wrong PINs were entered from this phone. "
                "Please try again later. Goodbye."
            )
        if not self.open_campaigns():
            return callflow.window_closed(self._next_opening())
        return callflow.ask_pin(
            self.urls,
            self.config.settings.organization,
            attempt,
            self.security.pin_tries,
        )

    def checkin(self, query: Params, form: Params) -> str:
        """A PIN was keyed: start a shift, or count a wrong PIN."""
        attempt = number(query, "attempt", 1)
        call_uuid, caller = form.get("CallUUID", ""), caller_number(form)
        digits = form.get("Digits", "").strip("#")
        now = self.clock.now()

        if not call_uuid:
            return callflow.goodbye("Sorry, this call cannot be checked in. Goodbye.")
        existing = shifts.by_call(self.engine, call_uuid)
        if existing is not None:
            return self._after_checkin(existing)
        if volunteers.locked_until(self.engine, caller, now):
            return callflow.goodbye("This phone is locked out for now. Goodbye.")
        if len(digits) < 4:
            why = "That PIN was too short." if digits else "We did not hear a PIN."
            return callflow.retry_pin(self.urls, attempt, self.security.pin_tries, why)

        volunteer = volunteers.by_pin(self.engine, digits)
        if volunteer is None:
            return self._wrong_pin(caller, f"{call_uuid}:{attempt}", attempt)
        volunteers.clear_wrong_pins(self.engine, caller)
        return self._start_shift(volunteer, call_uuid)

    def _wrong_pin(self, caller: str, key: str, attempt: int) -> str:
        security = self.security
        locked = volunteers.note_wrong_pin(
            self.engine,
            caller,
            key,
            self.clock.now(),
            security.lockout_after,
            security.lockout_minutes,
        )
        if locked:
            return callflow.goodbye(
                "That PIN is not right, and this phone is now locked out for "
                f"{security.lockout_minutes} minutes. Goodbye."
            )
        return callflow.retry_pin(
            self.urls, attempt, security.pin_tries, "That PIN is not right."
        )

    def _start_shift(self, volunteer: Volunteer, call_uuid: str) -> str:
        now = self.clock.now()
        campaigns = self.open_campaigns()
        if not campaigns:
            return callflow.window_closed(self._next_opening())
        assert volunteer.id is not None
        shifts.close_earlier_shifts(
            self.engine, self.campaigns, volunteer.id, call_uuid, now
        )
        with session(self.engine) as db:
            shift = Shift(
                call_uuid=call_uuid,
                volunteer_id=volunteer.id,
                campaign=campaigns[0].slug if len(campaigns) == 1 else "",
                started_at=now,
            )
            db.add(shift)
        log.info("volunteer %s checked in (shift %s)", volunteer.name, shift.id)
        return self._after_checkin(shift)

    def _after_checkin(self, shift: Shift) -> str:
        assert shift.id is not None
        name = self._volunteer_name(shift.volunteer_id)
        if shift.campaign in self.campaigns:
            campaign = self.campaigns[shift.campaign]
            closes = hours.window_closes_at(campaign, self.clock.now())
            spoken = hours.describe_moment(closes, campaign) if closes else None
            return callflow.welcome(self.urls, shift.id, name, campaign, spoken)
        return callflow.choose_campaign(
            self.urls, shift.id, name, self.open_campaigns()
        )

    def campaign(self, query: Params, form: Params) -> str:
        """The volunteer picked a campaign from the menu."""
        shift = shifts.by_id(self.engine, number(query, "shift", 0))
        if shift is None:
            return OVER
        if not shift.campaign:
            choices = self.open_campaigns()
            index = number(form, "Digits", 0) - 1
            if not 0 <= index < len(choices):
                return self._after_checkin(shift)
            with session(self.engine) as db:
                stored = db.get(Shift, shift.id)
                assert stored is not None
                if not stored.campaign:
                    stored.campaign = choices[index].slug
                shift = stored
        return self._after_checkin(shift)

    def callme(self, query: Params, form: Params) -> str:
        """A call the server placed to a volunteer: press 1 to begin."""
        volunteer_id = number(query, "volunteer", 0)
        with reading(self.engine) as db:
            volunteer = db.get(Volunteer, volunteer_id)
        if volunteer is None or not volunteer.active:
            return callflow.goodbye("Goodbye.")
        existing = shifts.by_call(self.engine, form.get("CallUUID", ""))
        if existing is not None:
            return self._after_checkin(existing)
        if not form.get("CallUUID"):
            return callflow.goodbye("Sorry, this call cannot be checked in. Goodbye.")
        if form.get("Digits") == "1":
            return self._start_shift(volunteer, form.get("CallUUID", ""))
        return callflow.call_me(
            self.urls, volunteer_id, self.config.settings.organization, volunteer.name
        )

    # Contacts -----------------------------------------------------------

    def next(self, query: Params, form: Params) -> str:
        """Claim the next contact and whisper who it is."""
        shift = shifts.by_id(self.engine, number(query, "shift", 0))
        after = number(query, "after", 0)
        if shift is None or shift.ended_at is not None:
            return callflow.goodbye("Your shift has ended. Thank you. Goodbye.")
        if shift.campaign not in self.campaigns:
            return self._after_checkin(shift)
        campaign = self.campaigns[shift.campaign]
        now = self.clock.now()

        claimed = self._attempt_after(shift, after)
        if claimed is None:
            if not hours.window_open(campaign, now):
                log.info("shift %s ends: the window closed", shift.id)
                return callflow.window_closed(self._next_opening())
            hold = timedelta(minutes=self.security.claim_minutes)
            claimed = dialer.claim_next(self.engine, campaign, shift, now, hold)
        if claimed is None:
            return self._nobody_now(shift, after, campaign)

        contact, attempt = claimed
        assert attempt.id is not None
        return callflow.whisper(self.urls, attempt.id, self._whisper(campaign, contact))

    def _nobody_now(self, shift: Shift, after: int, campaign: Campaign) -> str:
        """Hold the volunteer when someone becomes callable soon, else goodbye."""
        assert shift.id is not None
        now = self.clock.now()
        due = dialer.next_due(self.engine, campaign, now)
        if due is not None and due - now <= HOLD_LIMIT:
            log.debug("shift %s holds until %s", shift.id, due.isoformat())
            return callflow.hold(self.urls, shift.id, after, HOLD_SECONDS)
        log.info("shift %s: nobody left to call in %s", shift.id, campaign.slug)
        return callflow.none_left(campaign)

    def _whisper(self, campaign: Campaign, contact: Contact) -> str:
        try:
            fields = scripts.contact_context(contact)
            return scripts.render(self.config, campaign, fields).whisper
        except Exception:
            log.exception("whisper for contact %s failed to render", contact.id)
            name = f"{contact.first_name} {contact.last_name}".strip()
            return f"Next call: {name or 'a contact'}."

    @_on_attempt
    def dial(
        self, attempt: Attempt, contact: Contact, campaign: Campaign, form: Params
    ) -> str:
        """Dial the contact with the campaign's caller ID and ring timeout."""
        assert attempt.id is not None
        if attempt.state not in ("claimed", "dialing"):
            # The attempt was settled (the shift ended, a newer check-in took
            # over): dialing now would ring a contact someone else may hold.
            return OVER
        dialer.start_dial(
            self.engine, attempt.id, self.clock.now(), campaign.ring_timeout
        )
        return callflow.dial(self.urls, attempt.id, campaign, contact.phone)

    def bridged(self, query: Params, form: Params) -> str:
        """Dial callbacks: note when the contact answers."""
        if form.get("Event") == "DialAnswer" or form.get("DialAction") == "answer":
            attempt_id = number(query, "attempt", 0)
            dialer.mark_bridged(self.engine, attempt_id, form.get("DialBLegUUID", ""))
        return callflow.empty()

    @_on_attempt
    def dialed(
        self, attempt: Attempt, contact: Contact, campaign: Campaign, form: Params
    ) -> str:
        """The dial ended: unanswered ones are recorded, answered ones ask a result."""
        assert attempt.id is not None
        bleg = form.get("DialBLegUUID", "")
        outcome = callflow.dial_outcome(form.get("DialStatus", ""), bleg)
        cause = form.get("DialHangupCause", "")
        now = self.clock.now()
        recorded = dialer.record_dial(
            self.engine, campaign, attempt.id, outcome, cause, bleg, now
        )
        return self._after_attempt(recorded or attempt, campaign)

    def _after_attempt(self, attempt: Attempt, campaign: Campaign) -> str:
        assert attempt.id is not None
        if attempt.state == "awaiting_result":
            return callflow.ask_result(self.urls, attempt.id, campaign)
        if attempt.result_label:
            return callflow.after_result(
                self.urls, attempt.shift_id, attempt.id, attempt.result_label
            )
        return callflow.after_dial(
            self.urls, attempt.shift_id, attempt.id, attempt.outcome
        )

    @_on_attempt
    def result(
        self, attempt: Attempt, contact: Contact, campaign: Campaign, form: Params
    ) -> str:
        """The volunteer keyed a result; an unknown key repeats the menu."""
        assert attempt.id is not None
        key = form.get("Digits", "")[:1]
        if attempt.state == "awaiting_result" and campaign.result_for(key) is None:
            return callflow.ask_result(self.urls, attempt.id, campaign, again=True)
        return self._record_result(attempt, campaign, key)

    @_on_attempt
    def noresult(
        self, attempt: Attempt, contact: Contact, campaign: Campaign, form: Params
    ) -> str:
        """No key came after the retries: record 'no result' and move on."""
        return self._record_result(attempt, campaign, None)

    def _record_result(
        self, attempt: Attempt, campaign: Campaign, key: str | None
    ) -> str:
        assert attempt.id is not None
        now = self.clock.now()
        recorded = dialer.record_result(self.engine, campaign, attempt.id, key, now)
        return self._after_attempt(recorded or attempt, campaign)

    def hangup(self, query: Params, form: Params) -> str:
        """The volunteer's call ended: close the shift, settle what was open."""
        call_uuid = form.get("CallUUID", "")
        shift = shifts.close_shift(
            self.engine, self.campaigns, call_uuid, self.clock.now()
        )
        if shift is not None:
            log.info("shift %s ended (%s)", shift.id, form.get("HangupCause", "hangup"))
        return callflow.empty()

    # Lookups -------------------------------------------------------------

    def _volunteer_name(self, volunteer_id: int) -> str:
        with reading(self.engine) as db:
            volunteer = db.get(Volunteer, volunteer_id)
            return volunteer.name if volunteer else "volunteer"

    def _attempt(self, attempt_id: int) -> tuple[Attempt, Contact, Campaign] | None:
        """The attempt, its contact and campaign; None if any is unknown."""
        with reading(self.engine) as db:
            attempt = db.get(Attempt, attempt_id)
            contact = db.get(Contact, attempt.contact_id) if attempt else None
        if attempt is None or contact is None:
            return None
        campaign = self.campaigns.get(attempt.campaign)
        return (attempt, contact, campaign) if campaign else None

    def _attempt_after(
        self, shift: Shift, after: int
    ) -> tuple[Contact, Attempt] | None:
        with reading(self.engine) as db:
            attempt = (
                db.execute(
                    select(Attempt)
                    .where(col(Attempt.shift_id) == shift.id, col(Attempt.id) > after)
                    .order_by(col(Attempt.id))
                    .limit(1)
                )
                .scalars()
                .first()
            )
            contact = db.get(Contact, attempt.contact_id) if attempt else None
            if attempt is None or contact is None:
                return None
            return contact, attempt
