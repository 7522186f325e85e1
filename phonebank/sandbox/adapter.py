"""Points a real `plivo.RestClient` at the sandbox (plivo-facts §6, option 1)."""

from __future__ import annotations

from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

PLIVO_API = "https://api.plivo.com"


class RewritingAdapter(HTTPAdapter):
    """Sends requests meant for api.plivo.com to another base URL instead.

    Mounting on the session catches the SDK's fallback retries too, because
    they use the same host; patching `client.base_uri` would not stick.
    """

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        if request.url and request.url.startswith(PLIVO_API):
            request.url = self.base_url + request.url[len(PLIVO_API) :]
        return super().send(request, *args, **kwargs)


def attach(client: Any, base_url: str) -> None:
    """Route every request `client` makes to api.plivo.com to `base_url`."""
    adapter = RewritingAdapter(base_url)
    client.session.mount(PLIVO_API, adapter)
    client.multipart_session.mount(PLIVO_API, adapter)
