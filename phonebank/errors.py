"""The errors phonebank reports to people, each composing its own message.

Every message reads `<what> in <where>. <how to fix>.` so an admin can act on
it without reading code. The CLI maps them to exit codes: 2 for a config or
usage problem, 1 for a failure while working.
"""

from __future__ import annotations


class PhonebankError(Exception):
    """Base class; `exit_code` is what the CLI exits with."""

    exit_code = 1


class ConfigError(PhonebankError):
    """The campaigns file cannot be used; lists every problem found."""

    exit_code = 2

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in {path}:"] + [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


class UnknownCampaign(PhonebankError):
    exit_code = 2

    def __init__(self, slug: str, known: list[str]) -> None:
        choices = ", ".join(known) or "none defined"
        super().__init__(
            f"Error: no campaign '{slug}' in the config. Use one of: {choices}."
        )


class ImportFileError(PhonebankError):
    """The contact file as a whole cannot be read."""

    exit_code = 2

    def __init__(self, path: str, what: str, fix: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line else path
        super().__init__(f"Error: {what} in {where}. {fix}")


class TemplateProblem(PhonebankError):
    exit_code = 2

    def __init__(self, template: str, what: str, fix: str) -> None:
        super().__init__(f"Error: {what} in template {template}. {fix}")


class NotFound(PhonebankError):
    exit_code = 1

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"Error: {what}. {fix}")


class MissingCredentials(PhonebankError):
    exit_code = 2

    def __init__(self, sandbox_flag: str = "--sandbox") -> None:
        super().__init__(
            "Error: Plivo credentials are not set. Export PLIVO_AUTH_ID and "
            "PLIVO_AUTH_TOKEN (from the Plivo console), or use the local sandbox "
            f"with {sandbox_flag}."
        )


class PhoneRejected(ValueError):
    """A phone number that cannot be dialed; `reason` tells the admin what to do."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class DatabaseUnavailable(PhonebankError):
    exit_code = 2

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Error: cannot open the database {url} ({reason}). Check database_url "
            "in the config (or $PHONEBANK_DATABASE_URL), and that the server or "
            "folder exists."
        )


class FileProblem(PhonebankError):
    """A file or folder the command was pointed at cannot be used."""

    exit_code = 1

    def __init__(self, exc: OSError) -> None:
        what = exc.strerror or type(exc).__name__
        where = exc.filename or "the given path"
        super().__init__(
            f"Error: {what.lower()} in {where}. Check the path, that its folder "
            "exists and that you may write there."
        )
