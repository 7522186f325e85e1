"""Reading Plivo XML attributes leniently, the way a forgiving parser would."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phonebank.sandbox.session import Session


def text_of(element: ET.Element) -> str:
    return (element.text or "").strip()


def number(element: ET.Element, name: str, default: float) -> float:
    """A numeric attribute; a missing or malformed value means the default."""
    try:
        return float(element.get(name, default))
    except ValueError:
        return default


def flag(element: ET.Element, name: str, default: bool) -> bool:
    """A boolean attribute, written "true" or "false" in Plivo XML."""
    value = element.get(name)
    if value is None:
        return default
    return value.strip().lower() == "true"


def action_of(session: Session, element: ET.Element, base: str) -> str:
    """The element's action URL made absolute, or "" when it has none."""
    action = element.get("action", "").strip()
    return session.resolve(base, action) if action else ""
