"""A local Plivo: the REST API, an XML interpreter, signed callbacks, and parties.

See DESIGN.md "The sandbox". The real `plivo` SDK talks to it through
`phonebank.sandbox.adapter.attach`.
"""

from phonebank.sandbox.calls import Ending
from phonebank.sandbox.engine import Application, Sandbox
from phonebank.sandbox.faults import Fault
from phonebank.sandbox.log import EventLog
from phonebank.sandbox.parties import ContactDraw, ContactProfile, VolunteerParty
from phonebank.sandbox.standalone import run_standalone

__all__ = [
    "Application",
    "ContactDraw",
    "ContactProfile",
    "Ending",
    "EventLog",
    "Fault",
    "Sandbox",
    "VolunteerParty",
    "run_standalone",
]
