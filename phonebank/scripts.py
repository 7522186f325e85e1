"""Call scripts: a campaign's Jinja template renders the whisper and the sheet.

One template file holds two blocks: `whisper`, the sentence or two the
volunteer hears before each call, and `sheet`, the full script shown on the
volunteer's web page. Templates run in Jinja's sandbox with strict undefined,
so a field the contact lacks is an error that `check` and `import` catch,
never a silent gap in what the volunteer hears. Contact values are passed as
data and never compiled as template code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
)
from jinja2.sandbox import SandboxedEnvironment

from phonebank.config import Campaign, Config
from phonebank.errors import TemplateProblem

BLOCKS = ("whisper", "sheet")
CONTACT_FIELDS = ("external_id", "first_name", "last_name", "state", "zip")
CONTEXT_NAMES = ("campaign", "organization", "volunteer")


@lru_cache(maxsize=16)
def _environment(folder: str, html: bool) -> SandboxedEnvironment:
    # Two environments: the sheet is HTML and autoescaped; the whisper is
    # plain text that plivoxml escapes for XML, so escaping it here too would
    # make the volunteer hear "ampersand amp".
    return SandboxedEnvironment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Rendered:
    whisper: str
    sheet: str


def contact_context(contact: Any) -> dict[str, Any]:
    """The fields a template sees for a contact: never its phone number."""
    fields = {name: getattr(contact, name) or "" for name in CONTACT_FIELDS}
    extra = dict(contact.extra or {})
    return {**extra, **fields}


def template_path(config: Config, campaign: Campaign) -> Path:
    return config.scripts_dir / campaign.script


def _load(config: Config, campaign: Campaign, html: bool) -> Any:
    env = _environment(str(config.scripts_dir.resolve()), html)
    try:
        template = env.get_template(campaign.script)
    except TemplateNotFound:
        raise TemplateProblem(
            str(template_path(config, campaign)),
            "the file does not exist",
            f"Create it in {config.scripts_dir} or fix "
            f"campaigns[{campaign.slug}].script",
        ) from None
    except TemplateSyntaxError as exc:
        raise _syntax_problem(campaign, exc) from None
    missing = [b for b in BLOCKS if b not in template.blocks]
    if missing:
        raise TemplateProblem(
            campaign.script,
            f"no {' and no '.join(missing)} block",
            "Add {% block whisper %}...{% endblock %} and {% block sheet %}..."
            "{% endblock %}",
        )
    return template


def _syntax_problem(campaign: Campaign, exc: TemplateSyntaxError) -> TemplateProblem:
    return TemplateProblem(
        f"{campaign.script} line {exc.lineno}",
        f"a syntax error ({exc.message})",
        "Fix the Jinja syntax",
    )


def _render_block(template: Any, block: str, context: dict[str, Any]) -> str:
    ctx = template.new_context(context)
    return "".join(template.blocks[block](ctx)).strip()


def render(
    config: Config,
    campaign: Campaign,
    fields: dict[str, Any],
    volunteer: str = "",
) -> Rendered:
    """The whisper (plain text) and sheet (escaped HTML) for one contact."""
    context = {
        **fields,
        "campaign": {"name": campaign.name, "slug": campaign.slug},
        "organization": config.settings.organization,
        "volunteer": volunteer,
    }
    try:
        whisper = _render_block(_load(config, campaign, False), "whisper", context)
        sheet = _render_block(_load(config, campaign, True), "sheet", context)
    except TemplateProblem:
        raise
    except TemplateError as exc:
        raise TemplateProblem(
            campaign.script,
            f"rendering failed ({exc.message or exc})",
            "Fix the template or import the missing field",
        ) from None
    return Rendered(whisper=" ".join(whisper.split()), sheet=sheet)


def required_fields(config: Config, campaign: Campaign) -> set[str]:
    """The contact fields a campaign's template uses."""
    source = template_path(config, campaign).read_text(encoding="utf-8")
    env = _environment(str(config.scripts_dir.resolve()), False)
    try:
        names = meta.find_undeclared_variables(env.parse(source))
    except TemplateSyntaxError as exc:
        raise _syntax_problem(campaign, exc) from None
    return set(names) - set(CONTEXT_NAMES)


def sample_fields(names: set[str]) -> dict[str, str]:
    """Plausible values for a trial render, each field filled."""
    base = {"first_name": "Ana", "last_name": "Example", "state": "AZ", "zip": "85001"}
    return {name: base.get(name, f"<{name}>") for name in names | set(CONTACT_FIELDS)}
