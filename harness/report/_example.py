"""A failing example in one line: what Hypothesis drew, without noise or private keys.

Hypothesis reports a failing example as the test's call with every argument, one per line,
then ``Draw N (label): value`` for each interactive draw. A person wants the drawn values:
`summary` keeps those, drops the fixture and ``data(...)`` arguments, shows a JWK by its
type and ``kid`` (private members never appear: the text is redacted first), shortens long
base64 strings and caps the whole. A state machine's example is its steps (the last ones,
if they are many).

>>> summary('''Failing test case: test_x(
...     jwk_target=<Target object>,
...     keys=[('ES256', {'kty': 'EC', 'crv': 'P-256',
...         'x': 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
...         'd': 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI', 'kid': 'a'})],
...     data=data(...),
... )
... Draw 1 (cacheTimeout (s)): 120''')
"keys=[('ES256', JWK(EC P-256, kid 'a'))]; cacheTimeout (s)=120"
"""

from __future__ import annotations

import ast
import re
from typing import Final

from jwkconform.harness._untrusted import redact

__all__ = ["summary"]

_LIMIT: Final = 400
_HEADER: Final = re.compile(r"^(?:Falsifying(?: explicit)? example|Failing test case): *", re.M)
_DRAW: Final = re.compile(r"^Draw \d+(?P<rest>(?: \(.*\))?: .*)$")
_NOISE_ARGS: Final = ("jwk_target=", "data=data(", "self=")
_JWK: Final = re.compile(r"\{[^{}]*['\"]kty['\"][^{}]*\}")
_LONG_STRING: Final = re.compile(r"(['\"])([A-Za-z0-9_\-+/=]{24,})\1")


def _jwk(match: re.Match[str]) -> str:
    try:
        jwk = ast.literal_eval(match[0])
    except (ValueError, SyntaxError):
        return match[0]
    if not isinstance(jwk, dict):
        return match[0]
    parts = [str(jwk.get("kty", "?"))]
    if "crv" in jwk:
        parts[0] += f" {jwk['crv']}"
    if "kid" in jwk:
        parts.append(f"kid {jwk['kid']!r}")
    if "alg" in jwk:
        parts.append(f"alg {jwk['alg']}")
    return f"JWK({', '.join(parts)})"


def _draw(rest: str) -> list[str]:
    """[label, value] of a draw line's ``" (label): value"`` (a label may hold brackets)."""
    if not rest.startswith(" ("):
        return ["draw", rest.removeprefix(": ")]
    depth = 0
    for index, char in enumerate(rest[1:], start=1):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and rest[index + 1 : index + 3] == ": ":
            return [rest[2:index], rest[index + 3 :]]
    return ["draw", rest]


def _arguments(call: str) -> list[str]:
    """The top-level ``name=value`` arguments of a reported call (its text inside ``(...)``)."""
    out, depth, current = [], 0, []
    quote = ""
    for char in call:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            out.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        out.append("".join(current).strip())
    return out


def _compact(text: str) -> str:
    text = _JWK.sub(_jwk, text)
    text = _LONG_STRING.sub(lambda m: f"{m[1]}{m[2][:8]}...{m[1]}", text)
    return " ".join(text.split()).replace("( ", "(").replace("[ ", "[")


def summary(example: str) -> str:
    """``example`` (Hypothesis's report of a failing example) as one short, redacted line."""
    text = redact(example).strip()
    if not text:
        return ""
    parts: list[str] = []
    body = _HEADER.split(text, maxsplit=1)[-1]
    steps = [line.strip() for line in body.splitlines() if line.strip().startswith("state.")]
    if steps:  # a state machine: its steps, in order
        shown = [_compact(step.removeprefix("state.")) for step in steps]
        line = "; ".join(step for step in shown if step != "teardown()")
        return line if len(line) <= _LIMIT else "..." + line[3 - _LIMIT :].lstrip()
    call_lines: list[str] = []
    draws: list[list[str]] = []  # [label, value], a value may go on over several lines
    for line in body.splitlines():
        match = _DRAW.match(line.strip())
        if match:
            draws.append(_draw(match["rest"]))
        elif draws:
            draws[-1][1] += "\n" + line
        else:
            call_lines.append(line)
    call = "\n".join(call_lines).strip()
    opened, closed = call.find("("), call.rfind(")")
    if opened >= 0 and closed > opened:
        for argument in _arguments(call[opened + 1 : closed]):
            if argument and not argument.startswith(_NOISE_ARGS):
                parts.append(_compact(argument))
    elif call:
        parts.append(_compact(call))
    parts += [f"{label}={_compact(value)}" for label, value in draws]
    line = "; ".join(parts) or _compact(text)
    return line if len(line) <= _LIMIT else line[: _LIMIT - 3].rstrip() + "..."
