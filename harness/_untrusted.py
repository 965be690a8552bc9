"""Text from the implementation under test, made safe for each place it is written to.

Everything an implementation sends (its name and version, reasons, messages, kids, a
driver's standard error, exception texts) and everything read back from a report file is
untrusted: it may hold markup, control characters or lone surrogates (legal in JSON,
unencodable in UTF-8). Each output format has one function here, and the report writers
call it on every such text before writing it:

- `plain`: lone surrogates replaced, so that any text encodes (JSON, and every other rule);
- `json_safe`: `plain` on every string of a JSON value;
- `terminal`: control and format characters, surrogates and line breaks shown as escapes;
- `markdown`: inline text that can start no element (heading, emphasis, link, raw HTML,
  table cell), on one line; `markdown_code` and `markdown_block`: a code span and a fenced
  code block that the text cannot close;
- `html`: escaped text, for element content and quoted attribute values;
- `xml`: text with the characters XML 1.0 forbids shown as escapes (for JUnit XML).

A file read back (a report, a notes file, an expected-failures file) passes `read_json`:
bounded in size and depth, one-line `ValueError` otherwise.

>>> terminal("name\\x1b[2J")
'name\\\\x1b[2J'
>>> markdown("## all passed <script>")
'\\\\#\\\\# all passed \\\\<script\\\\>'
"""

from __future__ import annotations

import html as _html
import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Final

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "html",
    "json_safe",
    "markdown",
    "markdown_block",
    "markdown_code",
    "plain",
    "read_json",
    "redact",
    "terminal",
    "xml",
]

# A report of the whole suites is under 2 MiB; anything past this is not one.
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
# A report nests 7 levels deep; the renderers recurse over what they read.
MAX_JSON_DEPTH: Final = 64
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# Characters a terminal may act on (C0, DEL, C1), invisible format characters (bidi
# overrides included), line and paragraph separators, and surrogates.
_UNSEEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Punctuation that can start or end a Markdown element inside a line (CommonMark and GFM):
# every ASCII punctuation character may be backslash-escaped, so escaping is always safe.
_MARKDOWN: Final = re.compile(r"([\\`*_\[\]<>|&~#!])")
# XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | ...
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def plain(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so that it encodes.

    >>> plain("a\\ud800b")
    'a\\ufffdb'
    """
    return _SURROGATE.sub("\ufffd", text)


def json_safe(value: Any) -> Any:
    """``value`` (a JSON value) with `plain` applied to every string, keys included.

    >>> json_safe({"n\\udc00": ["\\ud800", 1, None]})
    {'n\\ufffd': ['\\ufffd', 1, None]}
    """
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, dict):
        return {plain(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _shown(text: str, keep: str = "") -> str:
    return "".join(
        _escape(c) if c not in keep and unicodedata.category(c) in _UNSEEN_CATEGORIES else c
        for c in text
    )


def terminal(text: str) -> str:
    """``text`` for one line of a terminal: every control or format character (tabs and
    line breaks included) and surrogate shown as a Python-style escape.

    >>> terminal("a\\nb\\x07\\u202e\\ud800")
    'a\\\\x0ab\\\\x07\\\\u202e\\\\ud800'
    """
    return _shown(text)


def markdown(text: str) -> str:
    """``text`` as inline Markdown that shows as itself: on one line, unseen characters as
    escapes, and every character that could start an element backslash-escaped.

    >>> markdown("a|b\\n# c [x](y) `z`")
    'a\\\\|b \\\\# c \\\\[x\\\\](y) \\\\`z\\\\`'
    """
    # Stripped: a space next to the report's own ``**`` would stop it making bold text.
    flat = _shown(" ".join(plain(text).splitlines())).strip()
    return _MARKDOWN.sub(r"\\\1", flat)


def _fence(text: str, char: str, least: int) -> str:
    longest = max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)
    return char * max(least, longest + 1)


def markdown_code(text: str, *, cell: bool = False) -> str:
    """``text`` as a Markdown code span, on one line, with a fence longer than any run of
    backticks inside it; in a table ``cell``, its pipes escaped too (GFM splits a row at
    every other pipe, code spans included, and takes the backslash away).

    >>> markdown_code("a``b")
    '```a``b```'
    >>> markdown_code("`x")
    '`` `x ``'
    >>> markdown_code("a|b", cell=True)
    '`a\\\\|b`'
    """
    flat = _shown(" ".join(plain(text).splitlines()))
    if cell:
        flat = flat.replace("|", "\\|")
    fence = _fence(flat, "`", 1)
    padded = f" {flat} " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else flat
    return f"{fence}{padded}{fence}"


def markdown_block(text: str, info: str = "text") -> list[str]:
    """``text`` as the lines of a fenced code block that no line of it can close.

    >>> markdown_block("```\\n# forged")
    ['````text', '```', '# forged', '````']
    """
    body = [_shown(line, keep="\t") for line in plain(text).splitlines()] or [""]
    fence = _fence(text, "`", 3)
    return [f"{fence}{info}", *body, fence]


def html(text: object) -> str:
    """``text`` for HTML element content or a quoted attribute value.

    >>> html('<a href="x">\\ud800')
    '&lt;a href=&quot;x&quot;&gt;\\ufffd'
    """
    return _html.escape(plain(str(text)), quote=True)


def xml(text: str) -> str:
    """``text`` with every character XML 1.0 forbids (most C0 controls, lone surrogates,
    U+FFFE and U+FFFF) shown as an escape; the XML writer escapes markup itself.

    >>> xml("impl\\x1b[1m\\x07\\ud800")
    'impl\\\\x1b[1m\\\\x07\\\\ud800'
    """
    return _NOT_XML.sub(lambda found: _escape(found.group()), text)


def _depth(value: Any) -> int:
    """How deep ``value`` nests (iteratively: the value may be deeper than the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def read_json(path: Path, what: str, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """The JSON document in ``path``, its strings `plain`; a one-line `ValueError` naming
    ``what`` and ``path`` if it cannot be read, is larger than ``max_bytes``, is not JSON,
    nests deeper than `MAX_JSON_DEPTH` or holds a number Python will not convert."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise ValueError(f"{what} {path} is larger than {max_bytes} bytes")
    try:
        document = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError(f"{what} {path} nests deeper than {MAX_JSON_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, a 5,000-digit number
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"{what} {path} is not JSON: {first}") from None
    if _depth(document) > MAX_JSON_DEPTH:
        raise ValueError(f"{what} {path} nests deeper than {MAX_JSON_DEPTH} levels")
    return json_safe(document)


# Private key material in a message never reaches a report, whoever wrote the message.
_PRIVATE: Final = re.compile(r"""(['"](?:d|p|q|dp|dq|qi|k|oth)['"]\s*:\s*)(['"])[^'"]*\2""")
# A multi-prime RSA key's "oth" is a list of objects of private values.
_OTHER_PRIMES: Final = re.compile(r"""(['"]oth['"]\s*:\s*)\[[^\]]*\]""")
_PEM: Final = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----.*?(?:-----END \1-----|$)", re.DOTALL
)
_ADDRESS: Final = re.compile(r" at 0x[0-9a-f]+")


def redact(text: str) -> str:
    """``text`` with the values of private JWK members replaced by ``<private>``, PEM private
    keys by ``<private key>``, and object addresses (which change from run to run) dropped.

    >>> redact("{'kty': 'oct', 'k': 'c2VjcmV0'} -----BEGIN PRIVATE KEY-----MIIE...")
    "{'kty': 'oct', 'k': '<private>'} <private key>"
    """
    text = _PEM.sub("<private key>", text)
    text = _OTHER_PRIMES.sub(r"\1'<private>'", text)
    return _ADDRESS.sub("", _PRIVATE.sub(r"\1'<private>'", text))
