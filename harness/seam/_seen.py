"""What the harness saw, in words: the texts (and data) of the timeline's events.

A store call is shown as the suites wrote it (a token by its header), an answer by the kids
it returned, a fetch by its status, the kids served and the fault that shaped it, a
configuration without its endpoint URL. `observe_scenario` is the observer the `Target`
gives each `JwksScenario`: it puts every fetch, scripted document and queued fault on the
timeline.

>>> from jwkconform.harness.endpoints._faults import Status
>>> fault_name(Status(503)), token_text("eyJhbGciOiJFUzI1NiIsImtpZCI6ImEifQ.e30.x")
('Status(503)', "token(alg='ES256', kid='a')")
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from jwkconform.harness.seam._timeline import RECORDER, seconds

__all__ = [
    "answer_text",
    "config_text",
    "document_kids",
    "fault_name",
    "observe_scenario",
    "query_text",
    "token_text",
]


def fault_name(fault: object) -> str:
    """``Status(503)``, ``Timeout()``, ``Oversized(size=2097152)``: a fault, without bodies."""
    if not is_dataclass(fault):
        return type(fault).__name__
    shown = [f for f in fields(fault) if f.name != "body"]
    if len(shown) == 1 and shown[0].name == "code":
        return f"{type(fault).__name__}({getattr(fault, 'code')})"  # noqa: B009
    args = ", ".join(f"{f.name}={getattr(fault, f.name)!r}" for f in shown)
    return f"{type(fault).__name__}({args})"


def document_kids(body: bytes) -> list[str] | None:
    """The kids of a served JWK Set document (None: not one, or too big to look at)."""
    if len(body) > 256 * 1024:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        return None
    return [str(k.get("kid")) if isinstance(k, dict) else "?" for k in keys]


def token_text(token: str) -> str:
    """A token by its header: ``token(alg=ES256, kid='a')``."""
    try:
        head = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        parts = [f"{k}={header[k]!r}" for k in ("alg", "kid") if k in header]
        return f"token({', '.join(parts)})"
    except (ValueError, TypeError, AttributeError):
        return "token(?)"


def answer_text(method: str, result: object) -> tuple[str, dict[str, Any]]:
    """What a store method answered, and the kids in it."""
    if method == "valid" and isinstance(result, Sequence):
        kids = [str(getattr(s, "stable_id", s)) for s in result]
        return f"{method} -> {kids}", {"kids": kids}
    if method == "named":
        kid = getattr(result, "stable_id", None)
        return f"{method} -> {kid!r}", {"kids": [] if kid is None else [str(kid)]}
    if method == "verify":
        if getattr(result, "verified", False):
            return f"verify -> verified by {getattr(result, 'secret_id', None)!r}", {}
        return f"verify -> not verified: {getattr(result, 'reason', '')}", {}
    return f"{method} -> {result!r:.100}", {}


def query_text(method: str, args: Sequence[object]) -> str:
    """A store call as the timeline shows it (a token by its header)."""
    shown = [token_text(a) if method == "verify" and i == 0 and isinstance(a, str) else repr(a)
             for i, a in enumerate(args)]  # fmt: skip
    return f"{method}({', '.join(shown)})"


def config_text(config: Mapping[str, object]) -> str:
    """A store's configuration, without the endpoint URL (the same in every example)."""
    shown = ", ".join(f"{k}={v!r}" for k, v in config.items() if k != "jwkUrl")
    return shown or "defaults"


def observe_scenario(event: str, at: float, **details: Any) -> None:
    """A `JwksScenario` observer: its fetches, documents and faults on the timeline."""
    if event == "fetch":
        fetch, answer, fault = details["fetch"], details["answer"], details["fault"]
        data: dict[str, Any] = {"status": fetch.outcome, "fault": None}
        text = f"GET {fetch.path}: {fetch.outcome}"
        kids = document_kids(answer.body) if answer.status == 200 else None
        if kids is not None:
            data["kids"] = kids
            text += f", kids {kids}"
        if fault is not None:
            data["fault"] = fault_name(fault)
            text += f" (fault {data['fault']})"
        if fetch.client not in {None, "harness"}:
            text += f" (client {fetch.client})"
        elif fetch.client is None:
            text += " (own client)"
        RECORDER.record(at, "fetch", text, **data)
    elif event == "serve":
        kids = document_kids(details["body"])
        what = f"kids {kids}" if kids is not None else f"{len(details['body'])} bytes"
        since = details["since"] - at
        when = "from now" if since <= 0 else f"from {seconds(since)} s on"
        RECORDER.record(at, "note", f"endpoint serves {what} {when}", kids=kids or [])
    elif event == "fail":
        count = details["count"]
        fetches = "every fetch until recover()" if count is None else f"the next {count} fetch(es)"
        name = fault_name(details["fault"])
        RECORDER.record(at, "note", f"endpoint: {fetches} get {name}", fault=name)
