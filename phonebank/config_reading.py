"""Reading the campaigns file as text, and explaining its errors to a person.

YAML is read with a safe loader that refuses a key written twice; pydantic's
errors are rewritten as `key.path: what is wrong; how to fix`, with list items
named by their slug or name rather than their index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from phonebank.errors import ConfigError


def read_yaml(file: Path) -> dict[str, Any]:
    """The file as a mapping, or a ConfigError that says what to do."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(str(file), ["not UTF-8 text; save it as UTF-8"]) from None
    except OSError as exc:
        reason = (exc.strerror or "cannot be read").lower()
        raise ConfigError(str(file), [f"{reason}; pass a YAML file with -c"]) from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        fix = "keep one" if "appears twice" in problem else "check the indentation"
        raise ConfigError(str(file), [f"{where}: {problem}; {fix}"]) from None
    if raw is None:
        raise ConfigError(str(file), ["the file is empty; run `phonebank init`"])
    if not isinstance(raw, dict):
        raise ConfigError(str(file), ["the top level must be a mapping of keys"])
    return raw


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key written twice: the last would win."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            construct: Any = self.construct_object
            key = construct(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key '{key}' appears twice (lines {seen[key]} and {line})",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def describe(exc: ValidationError, raw: dict[str, Any]) -> list[str]:
    """Turn pydantic's errors into `key.path: what is wrong; how to fix`."""
    problems = []
    for error in exc.errors():
        loc = _key_path(error["loc"], raw)
        kind = error["type"]
        message = error["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = "unknown key; check its spelling against campaigns.example.yaml"
        elif kind == "missing":
            message = "required key is missing; add it"
        elif kind.startswith("string_pattern"):
            message = _pattern_hint(str(error["loc"][-1]), error.get("input"))
        else:
            message = _plain(kind, error.get("ctx") or {}, error.get("input"), message)
        problems.append(f"{loc}: {message}")
    return problems


def _plain(kind: str, ctx: dict[str, Any], given: Any, message: str) -> str:
    """Pydantic's wording for common mistakes, replaced by what to write."""
    if kind in ("greater_than_equal", "greater_than"):
        return f"{given} is too small; use at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{given} is too large; use at most {ctx.get('le', ctx.get('lt'))}"
    if kind in ("model_type", "dict_type") and isinstance(given, int):
        return (
            f"{given} looks like a time YAML read as a number; quote it, "
            'like "17:30-21:00"'
        )
    if kind in ("model_type", "dict_type"):
        return f"'{given}' is not a span; write it like \"17:00-21:00\""
    if kind == "list_type" and isinstance(given, int):
        return (
            f"{given} looks like a time YAML read as a number; write a quoted "
            'list, like ["17:30-21:00"]'
        )
    if kind == "list_type":
        return f"'{given}' should be a list; write it like [\"17:00-21:00\"]"
    if kind == "too_short":
        return "is empty; add at least one"
    if kind == "string_too_short":
        return "is empty; write a value"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"'{given}' is not a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return f"'{given}' is not true or false"
    return message


def _key_path(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """Readable path; list items named by slug or name where they have one."""
    parts: list[str] = []
    node: Any = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            label = (
                node.get("slug") or node.get("name") if isinstance(node, dict) else None
            )
            parts[-1] = f"{parts[-1]}[{label or part}]" if parts else f"[{part}]"
            continue
        if part in ("function-after", "function-before") or str(part).startswith(
            "function-"
        ):
            continue
        if part == "[key]":
            continue
        parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def _pattern_hint(key: str, value: Any) -> str:
    hints = {
        "slug": "use lowercase letters, digits and dashes, like city-council-2026",
        "pin": "a PIN is 4 to 8 digits, like 4821 (in YAML, quote it: '4821')",
        "key": "a result key is one keypad digit 0-9; quote it, like key: '1'",
        "country": "use a two-letter country code like US",
        "public_url": "write the full URL, like https://phonebank.example.org",
    }
    return f"'{value}' is not allowed; {hints.get(key, 'see the example config')}"


def missing_files(raw: dict[str, Any], base: Path) -> list[str]:
    """Templates and roster the file names but that do not exist, found even
    while other keys are wrong, so one `check` lists them all."""
    scripts = base / str(raw.get("scripts_dir") or "scripts")
    found = []
    for index, campaign in enumerate(raw.get("campaigns") or []):
        if not isinstance(campaign, dict) or not isinstance(
            campaign.get("script"), str
        ):
            continue
        if not (scripts / campaign["script"]).is_file():
            name = campaign.get("slug") or index
            found.append(
                f"campaigns[{name}].script: {scripts / campaign['script']} does not "
                "exist; create it or fix the file name"
            )
    roster = raw.get("roster")
    if isinstance(roster, str) and not (base / roster).is_file():
        found.append(
            f"roster: {base / roster} does not exist; create it or remove the key"
        )
    return found
