"""phonebank: a self-hosted phone bank on the Plivo voice API."""

__version__ = "0.1.0"
