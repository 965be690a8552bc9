"""What each mutant that survives benchmarks/mutation.py is (rendered into docs/mutation.md).

A key is ``"<module>: <line before>"`` for every mutant of that line, or
``"<module>: <line before> -> <line after>"`` for one of them (lines stripped, as
`_mutation_report.Mutant.line_key` and `Mutant.key` build them), so an entry outlives edits
elsewhere in the module. A survivor is EQUIVALENT (no caller can tell it from the reference),
UNSPECIFIED (it changes only what no requirement or decision fixes: a message's wording, a
choice the specification leaves to each implementation, the reference publisher's own
configuration format, Python API that the adapter seam never reaches), or MISSING (a test
should kill it: the value names the requirement and what the test does).
"""

from __future__ import annotations

EQUIVALENT: dict[str, str] = {
    (
        '_config: return urlsplit(self.jwk_url).scheme.lower() != "file" -> return '
        'urlsplit(self.jwk_url).scheme.lower() > "file"'
    ): "the scheme is http, https or file (anything else is refused first), and both http "
    "schemes sort after `file`",
    "_config: @dataclass(frozen=True)": "nothing assigns to one of its instances or hashes one",
    "_config: handler: httpx.Client | None = field(default=None, compare=False)": (
        "no code compares two `StoreConfig`s"
    ),
    (
        '_config: if scheme == "file" and "\\0" in url2pathname(parts.path): -> if scheme <= '
        '"file" and "\\0" in url2pathname(parts.path):'
    ): ('of the schemes that reach this line (http, https, file), only `file` is `<= "file"`'),
    (
        '_config: if scheme == "file" and not parts.path.startswith("/"): -> if scheme <= '
        '"file" and not parts.path.startswith("/"):'
    ): ('of the schemes that reach this line (http, https, file), only `file` is `<= "file"`'),
    (
        '_config: if scheme == "file" and parts.netloc not in {"", "localhost"}: -> if scheme '
        '<= "file" and parts.netloc not in {"", "localhost"}:'
    ): ('of the schemes that reach this line (http, https, file), only `file` is `<= "file"`'),
    (
        '_constraints: "HS256": _AlgRule("oct", min_bits=256), -> "HS256": _AlgRule("oct", '
        "min_bits= 255),"
    ): (
        "HMAC keys come in whole bytes, so this bound refuses exactly the keys the original refuses"
    ),
    (
        '_constraints: "HS384": _AlgRule("oct", min_bits=384), -> "HS384": _AlgRule("oct", '
        "min_bits= 383),"
    ): (
        "HMAC keys come in whole bytes, so this bound refuses exactly the keys the original refuses"
    ),
    (
        '_constraints: "HS512": _AlgRule("oct", min_bits=512), -> "HS512": _AlgRule("oct", '
        "min_bits= 511),"
    ): (
        "HMAC keys come in whole bytes, so this bound refuses exactly the keys the original refuses"
    ),
    "_constraints: @dataclass(frozen=True)": (
        "nothing assigns to one of its instances or hashes one"
    ),
    '_constraints: if jwk.get("kty") == "RSA": -> if jwk.get("kty") <= "RSA":': (
        "EC and OKP JWKs (the kty before RSA in ASCII order) have no `n`, so they get 0 bits "
        "either way"
    ),
    '_constraints: if jwk.get("kty") == "oct": -> if jwk.get("kty") <= "oct":': (
        "the branch now sizes EC and OKP keys by their `k` too; they have none and get 0 bits "
        "as before"
    ),
    '_constraints: if jwk.get("kty") == "oct": -> if jwk.get("kty") >= "oct":': (
        "no key type but `oct` sorts at or after it (the others are upper case)"
    ),
    '_constraints: if jwk.get("kty") == "oct": -> if jwk.get("kty") is not "oct":': (
        "the branch now sizes every non-RSA key by its `k`; EC and OKP keys have none and get "
        "0 bits as before"
    ),
    "_constraints: min_bits: int = 0": "a key's size is never negative, so `>= -1` is `>= 0`",
    "_constraints: return 0": (
        "EC and OKP rules ask for at least 0 bits, which 1 bit meets as 0 did"
    ),
    (
        '_constraints: return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)) -> '
        'return base64.urlsafe_b64decode(value + "=" * (+len(value) % 4))'
    ): (
        "Python's lenient base64 decoder ignores surplus `=` padding, and a length of 1 mod 4 "
        "fails either way"
    ),
    (
        '_constraints: return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)) -> '
        'return base64.urlsafe_b64decode(value + "=" * (len(value) % 4))'
    ): (
        "Python's lenient base64 decoder ignores surplus `=` padding, and a length of 1 mod 4 "
        "fails either way"
    ),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        "== kty), default= -1)"
    ): ("the only call asks for RSA, which has rules, so the default is never used"),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        "== kty), default= 1)"
    ): ("the only call asks for RSA, which has rules, so the default is never used"),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        "is kty), default=0)"
    ): ('the only call passes the constant `"RSA"`, the same interned object as the rules\' kty'),
    "_durations: _FLAGS = re.ASCII | re.IGNORECASE": (
        "the two flags are distinct bits, so `+` is `|`"
    ),
    ('_durations: _UNIT = "|".join(re.escape(w) for w in sorted(_UNITS, key=len, reverse=True))'): (
        "the look-ahead after the unit refuses a shorter unit followed by more letters, so the "
        "order of the alternatives does not change what matches"
    ),
    "_durations: if ns is not None and (type(ns) is not int or ns < 0):": (
        "no caller can make a negative count: `parse_duration` adds non-negative pieces and "
        "`of_seconds` refuses negatives first"
    ),
    '_durations: return f"keyword {keyword[1]!r} must stand alone"': (
        "the pattern's only group is the whole match"
    ),
    "_jwk_uri: @dataclass(frozen=True)": "nothing assigns to one of its instances or hashes one",
    (
        '_jwk_uri: for alias in mapping.aliases if rule.aliases == "all" else '
        '(mapping.active,): -> for alias in mapping.aliases if rule.aliases >= "all" else '
        "(mapping.active,):"
    ): ('the only two values are `"all"` and `"active"`, and `"active" < "all"`'),
    (
        '_jwk_uri: for alias in mapping.aliases if rule.aliases == "all" else '
        '(mapping.active,): -> for alias in mapping.aliases if rule.aliases is "all" else '
        "(mapping.active,):"
    ): ('`"all"` is an interned constant, the same object in the rule table and in the comparison'),
    "_jwks: @dataclass(frozen=True)": "nothing assigns to one of its instances or hashes one",
    "_jwks: and len(set(ops)) == len(ops) -> and len(set(ops)) >= len(ops)": (
        "a set is never larger than the list it is made of, so `>=` holds exactly when `==` does"
    ),
    "_jwks: def _entry(member: object, *, remote: bool) -> tuple[str, KeyEntry | None]:": (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    "_jwks: def parse_jwk_set(body: bytes, url: str, *, remote: bool) -> list[KeyEntry]:": (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    (
        '_jwks: if remote and member.get("kty") == "oct": -> if remote and member.get("kty") '
        '>= "oct":'
    ): ("no key type but `oct` sorts at or after it (the others are upper case)"),
    "_provider: @dataclass(frozen=True)": "nothing assigns to a `Verification` or hashes one",
    (
        "_provider: cls, raw: Mapping[str, object], store: SecretStore, *, clock: Clock = "
        "time.monotonic"
    ): (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    (
        "_provider: def _try_in_order(jws: JWS, alg: str, secrets: Sequence[Secret], *, "
        "reason: str) -> Verification:"
    ): (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    '_provider: header = _header(token.split(".", 1)[0])': (
        "the first part of a split is the same whatever the split limit"
    ),
    '_provider: raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))': (
        "Python's lenient base64 decoder ignores surplus `=` padding, and a length of 1 mod 4 "
        "fails either way"
    ),
    (
        "_provider: self, store: SecretStore, *, verification_secret_id: str, clock: Clock = "
        "time.monotonic"
    ): (
        "every caller passes the store by position and the rest by keyword, which both "
        "signatures accept"
    ),
    "_publisher_config: @dataclass(frozen=True) -> @dataclass(frozen=False)": (
        "nothing assigns to one of its instances or hashes one"
    ),
    (
        "_publisher_config: cls, raw: Mapping[str, Any], *, default_keystore: Mapping[str, "
        "Alias] | None = None"
    ): (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    "_publisher_config: def _b64(value: object, where: str, *, urlsafe: bool) -> bytes:": (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    (
        '_publisher_config: ders = tuple(_b64(c, f"{where}.x5c[{i}]", urlsafe=False) for i, c '
        "in enumerate(chain))"
    ): (
        "`urlsafe_b64decode` only maps `-` and `_` onto `+` and `/` before decoding, so it "
        "reads standard base64 too"
    ),
    (
        "_publisher_config: if any(jwk.get(name) != value for name, value in public.items() if "
        'name != "kid"): -> if any(jwk.get(name) != value for name, value in public.items() if '
        'name is not "kid"):'
    ): (
        "the certificate's exported JWK has no `kid` yet (it is set on the next line), so the "
        "filter never sees one"
    ),
    (
        '_publisher_config: padded = value + "=" * (-len(value) % 4) -> padded = value + "=" * '
        "(+len(value) % 4)"
    ): (
        "Python's lenient base64 decoder ignores surplus `=` padding, and a length of 1 mod 4 "
        "fails either way"
    ),
    (
        '_publisher_config: padded = value + "=" * (-len(value) % 4) -> padded = value + "=" * '
        "(len(value) % 4)"
    ): (
        "Python's lenient base64 decoder ignores surplus `=` padding, and a length of 1 mod 4 "
        "fails either way"
    ),
    "_publisher_config: return SecretMapping(aliases, aliases[0])": (
        "every default mapping has a single alias"
    ),
    "_publisher_config: secret: bytes = field(repr=False)": (
        "the field's `repr` is never taken (nothing prints or logs a `SymmetricAlias`)"
    ),
    '_purposes: ("EC", None): _SIG | _ENC,': "the two sets are disjoint, so `^` is `|`",
    '_purposes: ("RSA", None): _SIG | _ENC,': "the two sets are disjoint, so `^` is `|`",
    '_purposes: ("oct", None): _SIG | _ENC, -> ("oct", None): _SIG ^ _ENC,': (
        "the two sets are disjoint, so `^` is `|`"
    ),
    "_purposes: @dataclass(frozen=True)": "nothing assigns to one of its instances or hashes one",
    "_store: @dataclass(frozen=True)": "nothing assigns to a `_KeySet` or hashes one",
    "_store: cls, raw: Mapping[str, object], *, clock: Clock = time.monotonic": (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    (
        "_store: def __init__(self, config: StoreConfig, *, clock: Clock = time.monotonic) -> None:"
    ): (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    "_store: def _reload(self, now: float, keys: _KeySet, *, reason: str) -> _KeySet:": (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    (
        "_store: def _shared_load(self, now: float, seen: _KeySet | None, *, reason: str) -> "
        "_Outcome:"
    ): (
        "every caller passes the first argument by position and the rest by keyword, which "
        "both signatures accept"
    ),
    "_store: if self._keys is not seen:": (
        "a set that replaced another is never equal to it: it was loaded later (a reload needs "
        "an age over zero), so `!=` answers as `is not` does"
    ),
    (
        "_store: return age > 0 and age >= self.config.cache_miss_cache_time.seconds -> return "
        "age != 0 and age >= self.config.cache_miss_cache_time.seconds"
    ): ("ages are never negative, so `!= 0` is `> 0`"),
}

UNSPECIFIED: dict[str, str] = {
    "_config: DEFAULT_FETCH_TIMEOUT: Final = Duration.of_seconds(10)": (
        "CFG-09 asks for a finite default deadline; ten seconds is D-24's choice for the "
        "reference, and 9 or 11 s are as finite (tests/reference/test_config.py pins it)"
    ),
    "_config: if duration.is_zero or duration.is_unlimited:": (
        "`fetchTimeout` is the reference's own configuration member (D-24), which the "
        "catalogue asks of no implementation; tests/reference/test_fetch_deadline.py checks "
        "that zero and unlimited are refused"
    ),
    "_config: if isinstance(value, bool) or not isinstance(value, int) or value <= 0:": (
        "`maxBodyBytes` is the reference's own configuration member (D-15), which the "
        "catalogue asks of no implementation (LOAD-06's default cap is tested); "
        "tests/reference/test_fetch_limits.py checks its values"
    ),
    '_config: raise ConfigError(unknown[0], f"unknown member (known: {known})")': (
        "with several unknown members the error names another of them; which one is not specified"
    ),
    "_durations:  /  / @total_ordering": (
        "the reference compares durations only with `<` and `>`, which `__lt__` and its "
        "reflection answer; only a user of the Python `Duration` comparing with `<=`/`>=` "
        "would notice"
    ),
    "_durations:  / @property": (
        "`Duration.nanoseconds` is never read by the reference (it uses `seconds`), so only a "
        "direct user of the reference's Python API could notice; the reference itself never "
        "takes this path"
    ),
    "_durations: for pattern, reason in _DIAGNOSES:": (
        "changes only the wording of a log or error message, which no requirement fixes (the "
        "refusal's explanation)"
    ),
    "_durations: for size, (word, *_) in _UNIT_WORDS:": (
        "changes only the wording of a log or error message, which no requirement fixes"
    ),
    "_durations: if count:": (
        "changes only the wording of a log or error message, which no requirement fixes"
    ),
    "_durations: if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):": (
        "`of_seconds(True)` is accepted; only a direct user of the reference's Python API "
        "could notice; the reference itself never takes this path"
    ),
    "_durations: if not math.isfinite(seconds) or seconds < 0:": (
        "`of_seconds(0)` is refused; the reference calls it only with 10, 120, 300 and 2^32 "
        "seconds, so only a direct user of the reference's Python API could notice; the "
        "reference itself never takes this path"
    ),
    "_durations: if not text.strip():": (
        "changes only the wording of a log or error message, which no requirement fixes (the "
        "refusal's explanation)"
    ),
    "_durations: if self._nanoseconds is None or self._nanoseconds == 0:": (
        "changes only the wording of a log or error message, which no requirement fixes"
    ),
    "_durations: if self._nanoseconds is None:": (
        "`Duration.nanoseconds` is never read by the reference (it uses `seconds`), so only a "
        "direct user of the reference's Python API could notice; the reference itself never "
        "takes this path"
    ),
    "_durations: parts.append(f\"{count} {word}{'' if count == 1 else 's'}\")": (
        "changes only the wording of a log or error message, which no requirement fixes"
    ),
    "_durations: pos, step = 0, _FIRST": (
        "changes only the wording of a log or error message, which no requirement fixes (the "
        "refusal's explanation)"
    ),
    "_durations: rest = text[pos:].strip() or text[pos:]": (
        "changes only the wording of a log or error message, which no requirement fixes (the "
        "refusal's explanation)"
    ),
    '_durations: return "unlimited" if self._nanoseconds is None else "zero"': (
        "changes only the wording of a log or error message, which no requirement fixes"
    ),
    "_durations: return (self._nanoseconds is None, self._nanoseconds or 0)": (
        "zero now sorts as one nanosecond; the reference compares durations only with 10 s and "
        "2^32 s, so only a direct user of the reference's Python API could notice; the "
        "reference itself never takes this path"
    ),
    "_durations: return reason.format(hit[1], rest=rest)": (
        "changes only the wording of a log or error message, which no requirement fixes (the "
        "refusal's explanation)"
    ),
    (
        '_jwks: if remote and member.get("kty") == "oct": -> if remote and member.get("kty") > '
        '"oct":'
    ): (
        "a remote `oct` key is still dropped: the next check strips its `k` (a private "
        "member), and without it the key is unusable; only the log line differs"
    ),
    (
        '_jwks: if remote and member.get("kty") == "oct": -> if remote and member.get("kty") '
        'is "oct":'
    ): (
        "a remote `oct` key is still dropped: the next check strips its `k` (a private "
        "member), and without it the key is unusable; only the log line differs"
    ),
    "_provider:  / @classmethod": (
        "`SecretsProvider.from_json` is the reference's own entry point: the adapter seam "
        "builds a resolver from a secret ID, so no conformance test can reach it"
    ),
    '_provider: detail = "; ".join(failures) or "no secret to try"': (
        "changes only the wording of a log or error message, which no requirement fixes"
    ),
    '_provider: if "verificationSecretId" not in raw:': (
        "`SecretsProvider.from_json` is the reference's own entry point: the adapter seam "
        "builds a resolver from a secret ID, so no conformance test can reach it"
    ),
    "_provider: if not isinstance(secret_id, str):": (
        "`SecretsProvider.from_json` is the reference's own entry point: the adapter seam "
        "builds a resolver from a secret ID, so no conformance test can reach it"
    ),
    "_provider: if not isinstance(token, str) or not _COMPACT.fullmatch(token):": (
        "a string that is not a compact JWS is still refused, by the header or by jwcrypto's "
        "parser, with another reason; which lenient compact forms are refused is not specified"
    ),
    "_provider: if secret is not None:": (
        "named secrets are no longer kept between queries; LEASE-02 lets a resolver keep a "
        "secret until it expires, it does not require it"
    ),
    "_provider: if unknown:": (
        "`SecretsProvider.from_json` is the reference's own entry point: the adapter seam "
        "builds a resolver from a secret ID, so no conformance test can reach it"
    ),
    ('_provider: raise ConfigError(unknown[0], "unknown member (known: verificationSecretId)")'): (
        "`SecretsProvider.from_json` is the reference's own entry point: the adapter seam "
        "builds a resolver from a secret ID, so no conformance test can reach it"
    ),
    '_provider: unknown = sorted(set(raw) - {"verificationSecretId"})': (
        "`SecretsProvider.from_json` is the reference's own entry point: the adapter seam "
        "builds a resolver from a secret ID, so no conformance test can reach it"
    ),
    "_publisher_config: MAX_REALM_DEPTH = 32": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (the 32-level limit)"
    ),
    (
        '_publisher_config: active = entry.get("active", aliases[0] if len(aliases) == 1 else None)'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    "_publisher_config: def _realm(value: object, where: str, depth: int = 0) -> Realm:": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (the 32-level limit)"
    ),
    "_publisher_config: elif default_keystore is not None:": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    "_publisher_config: except (binascii.Error, ValueError):": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    "_publisher_config: except UnsupportedAlgorithm as exc:": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    "_publisher_config: except ValueError as exc:": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    ('_publisher_config: field = f"{where}.{member_name(unknown[0])}" if where else unknown[0]'): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    "_publisher_config: for name in realms:": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    (
        "_publisher_config: if any(jwk.get(name) != value for name, value in public.items() if "
        'name != "kid"): -> if any(jwk.get(name) != value for name, value in public.items() if '
        'name < "kid"):'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (whether the certificate holds the "
        "alias's key)"
    ),
    (
        "_publisher_config: if any(jwk.get(name) != value for name, value in public.items() if "
        'name != "kid"): -> if any(jwk.get(name) != value for name, value in public.items() if '
        'name > "kid"):'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (whether the certificate holds the "
        "alias's key)"
    ),
    (
        "_publisher_config: if any(jwk.get(name) != value for name, value in public.items() if "
        'name != "kid"): -> if any(jwk.get(name) < value for name, value in public.items() if '
        'name != "kid"):'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (whether the certificate holds the "
        "alias's key)"
    ),
    (
        "_publisher_config: if any(jwk.get(name) != value for name, value in public.items() if "
        'name != "kid"): -> if any(jwk.get(name) > value for name, value in public.items() if '
        'name != "kid"):'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (whether the certificate holds the "
        "alias's key)"
    ),
    (
        "_publisher_config: if any(jwk.get(name) != value for name, value in public.items() if "
        'name != "kid"): -> if any(jwk.get(name) is value for name, value in public.items() if '
        'name != "kid"):'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (whether the certificate holds the "
        "alias's key)"
    ),
    "_publisher_config: if depth > MAX_REALM_DEPTH:": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (the 32-level limit)"
    ),
    "_publisher_config: if not isinstance(chain, (list, tuple)) or not chain:": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    (
        '_publisher_config: if not isinstance(jwk, Mapping) or not isinstance(jwk.get("kty"), str):'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    '_publisher_config: if not name or "/" in name:': (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    '_publisher_config: if not path or path[0] != "root":': (
        "over HTTP a realm path always starts at `root` (the route's pattern), so only a "
        "direct user of the reference's Python API could notice; the reference itself never "
        "takes this path"
    ),
    (
        '_publisher_config: not isinstance(remote, str) or not remote.startswith(("http://", '
        '"https://"))'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    "_publisher_config: or len(set(aliases)) != len(aliases)": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    "_publisher_config: or not aliases": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    "_publisher_config: or not all(isinstance(a, str) and a for a in aliases)": (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    (
        '_publisher_config: padded = value + "=" * (-len(value) % 4) -> padded = value + "=" * '
        "(-len(value) % 3)"
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (base64 padding)"
    ),
    (
        '_publisher_config: padded = value + "=" * (-len(value) % 4) -> padded = value + "=" * '
        "(-len(value) % 5)"
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (base64 padding)"
    ),
    (
        '_publisher_config: padded = value + "=" * (-len(value) % 4) -> padded = value + "=" * '
        "(-len(value) & 4)"
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (base64 padding)"
    ),
    (
        '_publisher_config: raise ConfigError(where or "config", f"expected a JSON object, got '
        '{type(value).__name__}")'
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it"
    ),
    (
        '_publisher_config: raise ConfigError(where, f"not valid base64: {value[:20]!r}") from None'
    ): ("changes only the wording of a log or error message, which no requirement fixes"),
    (
        '_publisher_config: {name: _realm(sub, f"{where}.realms.{name}", depth + 1) for name, '
        "sub in realms.items()}"
    ): (
        "checks the reference publisher's own configuration format (docs/publisher.md), which "
        "no PUB requirement covers: an adapter translates the harness's configuration into its "
        "implementation's own; tests/reference checks it (the 32-level limit)"
    ),
    "_store: _MAX_RETRY_BACKOFF: Final = 10.0": (
        "CACHE-06 lets an implementation hold back retries after a failed load, for at most "
        "`cacheMissCacheTime`, without requiring it; the 10 s pause is the reference's own "
        "choice (D-5)"
    ),
    "_store: if now < self._retry_at:": (
        "CACHE-06 lets an implementation hold back retries after a failed load, for at most "
        "`cacheMissCacheTime`, without requiring it; the 10 s pause is the reference's own "
        "choice (D-5)"
    ),
    "_store: if seen is not None:": (
        "changes only which failed loads are logged; no requirement asks for a log line there"
    ),
    '_store: keys = self._reload(now, keys, reason=f"kid {kid[:100]!r} not in the set")': (
        "changes only the wording of a log or error message, which no requirement fixes"
    ),
    (
        "_store: return age > 0 and age >= self.config.cache_miss_cache_time.seconds -> return "
        "age > -1 and age >= self.config.cache_miss_cache_time.seconds"
    ): (
        "ages are never negative, so this is the `age >= 0` mutant: it differs only with "
        "`cacheMissCacheTime: zero`, at the very instant of the load, where CACHE-03 allows "
        "the reload"
    ),
    (
        "_store: return age > 0 and age >= self.config.cache_miss_cache_time.seconds -> return "
        "age >= 0 and age >= self.config.cache_miss_cache_time.seconds"
    ): (
        "differs only with `cacheMissCacheTime: zero`, for a miss at the very instant of the "
        "load: zero seconds have then elapsed, so CACHE-03 allows the reload the mutant makes"
    ),
    "_store: self._retry_at = now + backoff": (
        "CACHE-06 lets an implementation hold back retries after a failed load, for at most "
        "`cacheMissCacheTime`, without requiring it; the 10 s pause is the reference's own "
        "choice (D-5)"
    ),
}

MISSING: dict[str, str] = {
    "_config:  / @property": (
        "PUR-07's other side with LOAD-01: an `oct` key in a `file:` set verifies an HS256 "
        "token (only sets fetched over http(s) lose their oct keys); the mutant treats every "
        "set as remote"
    ),
    "_config: MAX_DURATION: Final = Duration.of_seconds(2**32)": (
        "CFG-08 (D-23): exactly 2^32 seconds (`4294967296 seconds`) is accepted and one second "
        "more is refused; the mutant moves the limit"
    ),
    "_config: except ValueError as exc:": (
        "CFG-02: a `jwkUrl` that `urlsplit` refuses (`http://idp.example:99999/jwks`, "
        "`http://[::1/jwks`) is refused as a configuration error naming the value; the mutant "
        "lets the `ValueError` escape"
    ),
    "_config: if not duration.is_unlimited and duration > MAX_DURATION:": (
        "CFG-08 (D-23): exactly 2^32 seconds (`4294967296 seconds`) is accepted; one second "
        "more is refused"
    ),
    (
        '_config: if scheme == "file" and "\\0" in url2pathname(parts.path): -> if not scheme '
        '== "file" and "\\0" in url2pathname(parts.path):'
    ): (
        "CFG-02: an http(s) `jwkUrl` whose path holds `%00` (`https://idp.example/a%00b`) is "
        "accepted; only a file path cannot hold NUL"
    ),
    (
        '_config: if scheme == "file" and "\\0" in url2pathname(parts.path): -> if scheme != '
        '"file" and "\\0" in url2pathname(parts.path):'
    ): (
        "CFG-02: an http(s) `jwkUrl` whose path holds `%00` (`https://idp.example/a%00b`) is "
        "accepted; only a file path cannot hold NUL"
    ),
    (
        '_config: if scheme == "file" and "\\0" in url2pathname(parts.path): -> if scheme < '
        '"file" and "\\0" in url2pathname(parts.path):'
    ): (
        "CFG-02 (D-28): a `file:` URL whose path holds `%00` (`file:///tmp/a%00b.json`) is "
        "refused at configuration; the mutant never applies the check"
    ),
    (
        '_config: if scheme == "file" and "\\0" in url2pathname(parts.path): -> if scheme > '
        '"file" and "\\0" in url2pathname(parts.path):'
    ): (
        "CFG-02: an http(s) `jwkUrl` whose path holds `%00` (`https://idp.example/a%00b`) is "
        "accepted; only a file path cannot hold NUL"
    ),
    (
        '_config: if scheme == "file" and "\\0" in url2pathname(parts.path): -> if scheme >= '
        '"file" and "\\0" in url2pathname(parts.path):'
    ): (
        "CFG-02: an http(s) `jwkUrl` whose path holds `%00` (`https://idp.example/a%00b`) is "
        "accepted; only a file path cannot hold NUL"
    ),
    (
        '_config: if scheme == "file" and "\\0" in url2pathname(parts.path): -> if scheme is '
        '"file" and "\\0" in url2pathname(parts.path):'
    ): (
        "CFG-02 (D-28): a `file:` URL whose path holds `%00` (`file:///tmp/a%00b.json`) is "
        "refused at configuration; the mutant never applies the check"
    ),
    (
        '_config: if scheme == "file" and "\\0" in url2pathname(parts.path): -> if scheme is '
        'not "file" and "\\0" in url2pathname(parts.path):'
    ): (
        "CFG-02: an http(s) `jwkUrl` whose path holds `%00` (`https://idp.example/a%00b`) is "
        "accepted; only a file path cannot hold NUL"
    ),
    (
        '_config: if scheme == "file" and not parts.path.startswith("/"): -> if not scheme == '
        '"file" and not parts.path.startswith("/"):'
    ): (
        "CFG-02: an http(s) `jwkUrl` with no path (`https://idp.example`) is accepted; the "
        "mutant refuses it as a file URL without an absolute path"
    ),
    (
        '_config: if scheme == "file" and not parts.path.startswith("/"): -> if scheme != '
        '"file" and not parts.path.startswith("/"):'
    ): (
        "CFG-02: an http(s) `jwkUrl` with no path (`https://idp.example`) is accepted; the "
        "mutant refuses it as a file URL without an absolute path"
    ),
    (
        '_config: if scheme == "file" and not parts.path.startswith("/"): -> if scheme < '
        '"file" and not parts.path.startswith("/"):'
    ): (
        "CFG-02: a `file:` URL with a relative path (`file:jwks.json`) is refused at "
        "configuration, naming the value; the mutant never applies the check"
    ),
    (
        '_config: if scheme == "file" and not parts.path.startswith("/"): -> if scheme > '
        '"file" and not parts.path.startswith("/"):'
    ): (
        "CFG-02: an http(s) `jwkUrl` with no path (`https://idp.example`) is accepted; the "
        "mutant refuses it as a file URL without an absolute path"
    ),
    (
        '_config: if scheme == "file" and not parts.path.startswith("/"): -> if scheme >= '
        '"file" and not parts.path.startswith("/"):'
    ): (
        "CFG-02: an http(s) `jwkUrl` with no path (`https://idp.example`) is accepted; the "
        "mutant refuses it as a file URL without an absolute path"
    ),
    (
        '_config: if scheme == "file" and not parts.path.startswith("/"): -> if scheme is '
        '"file" and not parts.path.startswith("/"):'
    ): (
        "CFG-02: a `file:` URL with a relative path (`file:jwks.json`) is refused at "
        "configuration, naming the value"
    ),
    (
        '_config: if scheme == "file" and not parts.path.startswith("/"): -> if scheme is not '
        '"file" and not parts.path.startswith("/"):'
    ): (
        "CFG-02: an http(s) `jwkUrl` with no path (`https://idp.example`) is accepted; the "
        "mutant refuses it as a file URL without an absolute path"
    ),
    (
        '_config: if scheme == "file" and parts.netloc not in {"", "localhost"}: -> if scheme '
        '< "file" and parts.netloc not in {"", "localhost"}:'
    ): (
        "CFG-02: a `file:` URL naming a remote host (`file://idp.example/jwks.json`) is "
        "refused at configuration; the mutant never applies the check"
    ),
    (
        '_config: if scheme == "file" and parts.netloc not in {"", "localhost"}: -> if scheme '
        'is "file" and parts.netloc not in {"", "localhost"}:'
    ): (
        "CFG-02: a `file:` URL naming a remote host (`file://idp.example/jwks.json`) is "
        "refused at configuration; the mutant never applies the check"
    ),
    '_config: return urlsplit(self.jwk_url).scheme.lower() != "file"': (
        "PUR-07's other side with LOAD-01: an `oct` key in a `file:` set verifies an HS256 "
        "token (only sets fetched over http(s) lose their oct keys); the mutant treats every "
        "set as remote"
    ),
    (
        '_constraints: "HS256": _AlgRule("oct", min_bits=256), -> "HS256": _AlgRule("oct", '
        "min_bits= 257),"
    ): (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    (
        '_constraints: "HS384": _AlgRule("oct", min_bits=384), -> "HS384": _AlgRule("oct", '
        "min_bits= 385),"
    ): (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    (
        '_constraints: "HS512": _AlgRule("oct", min_bits=512), -> "HS512": _AlgRule("oct", '
        "min_bits= 513),"
    ): (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    "_constraints: def _rsa(bits: int = 2048) -> _AlgRule:": (
        "PUR-06: an RSA key of 2047 bits is never used for RS*/PS* (and is skipped at load, "
        "LOAD-03), one of 2048 bits is; the suites' short keys are far below the boundary"
    ),
    '_constraints: if jwk.get("kty") != rule.kty:': (
        "PUR-05 (D-9): a token is never tried against a key of another type, even a big one: "
        "an HS256 token against RSA keys, an RS256 token against a 2048-bit `oct` key of a "
        "`file:` set (`tried` stays empty)"
    ),
    '_constraints: if jwk.get("kty") == "RSA": -> if jwk.get("kty") >= "RSA":': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today); the mutant sizes oct keys by their (absent) `n`"
    ),
    '_constraints: if jwk.get("kty") == "RSA": -> if jwk.get("kty") is not "RSA":': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today); the mutant sizes oct keys by their (absent) `n`"
    ),
    '_constraints: if jwk.get("kty") == "oct": -> if jwk.get("kty") != "oct":': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    '_constraints: if jwk.get("kty") == "oct": -> if jwk.get("kty") < "oct":': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    '_constraints: if jwk.get("kty") == "oct": -> if jwk.get("kty") > "oct":': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    '_constraints: if jwk.get("kty") == "oct": -> if jwk.get("kty") is "oct":': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    '_constraints: if jwk.get("kty") == "oct": -> if not jwk.get("kty") == "oct":': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    (
        '_constraints: return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)) -> '
        'return base64.urlsafe_b64decode(value + "=" * (-len(value) % 5))'
    ): (
        "LOAD-03/PUR-06: an RSA key whose modulus takes 350 base64url characters (2096 bits) "
        "loads and verifies; the mutant pads it too little and skips the key (the usual sizes "
        "decode)"
    ),
    '_constraints: return len(_b64decode(jwk.get("k"))) * 8': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        "!= kty), default=0)"
    ): (
        "LOAD-03: an RSA JWK under 2048 bits (1024, say), which no accepted algorithm can use, "
        'is skipped at load (`valid("verify")` does not list it); the mutant lowers the '
        "minimum"
    ),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        "< kty), default=0)"
    ): (
        "LOAD-03: an RSA JWK under 2048 bits (1024, say), which no accepted algorithm can use, "
        'is skipped at load (`valid("verify")` does not list it); the mutant lowers the '
        "minimum"
    ),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        "<= kty), default=0)"
    ): (
        "LOAD-03: an RSA JWK under 2048 bits (1024, say), which no accepted algorithm can use, "
        'is skipped at load (`valid("verify")` does not list it); the mutant lowers the '
        "minimum"
    ),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        "> kty), default=0)"
    ): (
        "LOAD-03: an RSA JWK under 2048 bits (1024, say), which no accepted algorithm can use, "
        'is skipped at load (`valid("verify")` does not list it); the mutant lowers the '
        "minimum"
    ),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        ">= kty), default=0)"
    ): (
        "LOAD-03: an RSA JWK under 2048 bits (1024, say), which no accepted algorithm can use, "
        'is skipped at load (`valid("verify")` does not list it); the mutant lowers the '
        "minimum"
    ),
    (
        "_constraints: return min((rule.min_bits for rule in _RULES.values() if rule.kty == "
        "kty), default=0) -> return min((rule.min_bits for rule in _RULES.values() if rule.kty "
        "is not kty), default=0)"
    ): (
        "LOAD-03: an RSA JWK under 2048 bits (1024, say), which no accepted algorithm can use, "
        'is skipped at load (`valid("verify")` does not list it); the mutant lowers the '
        "minimum"
    ),
    "_durations: _US, _MS, _S = 1_000, 1_000_000, 1_000_000_000": (
        "CFG-07 with CFG-04: `cacheTimeout: 10000000 us` is exactly 10 s and is kept; the "
        "mutant's microsecond is 999 ns, so it warns and falls back to 2 minutes"
    ),
    "_durations: except ValueError as exc:  # int() refuses absurdly long digit strings": (
        "CFG-08: a duration whose number has 5,000 digits is refused as a configuration error; "
        "the mutant lets `int()`'s `ValueError` escape"
    ),
    "_durations: return _KEYWORDS[keyword[1].lower()]": (
        'CFG-07 (D-8): a keyword with white space around it (`" unlimited "`) is accepted as '
        "unlimited; the mutant looks up the whole match and raises `KeyError`"
    ),
    "_jwks: and all(isinstance(op, str) for op in ops)": (
        'LOAD-03 (D-16): a JWK whose `key_ops` repeats a value (`["verify", "verify"]`) or '
        "holds a non-string is skipped, and the others load"
    ),
    "_jwks: and len(set(ops)) == len(ops) -> and len(set(ops)) <= len(ops)": (
        'LOAD-03 (D-16): a JWK whose `key_ops` repeats a value (`["verify", "verify"]`) is '
        "skipped, and the others load"
    ),
    "_jwks: and len(set(ops)) == len(ops) -> and len(set(ops)) is len(ops)": (
        'LOAD-03 (D-16): a JWK whose `key_ops` repeats a value (`["verify", "verify"]`) is '
        "skipped, and the others load"
    ),
    "_jwks: and len(set(ops)) == len(ops) -> or len(set(ops)) == len(ops)": (
        'LOAD-03 (D-16): a JWK whose `key_ops` repeats a value (`["verify", "verify"]`) is '
        "skipped, and the others load"
    ),
    '_jwks: for name in ("kty", "kid", "use", "alg", "crv"):': (
        'LOAD-03: a JWK whose `kid`, `use`, `alg` or `crv` is not a string (`"kid": 5`) is '
        "skipped, and the others load"
    ),
    (
        '_jwks: if remote and member.get("kty") == "oct": -> if not remote and '
        'member.get("kty") == "oct":'
    ): (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today); the mutant drops the oct keys of local sets"
    ),
    "_jwks: if remote and not _PRIVATE_MEMBERS.isdisjoint(member):": (
        "LOAD-03/PUR-07 (D-27): a JWK with private members (`d`) in a remote set loads as its "
        "public key and is never served for `sign`; the mutant keeps the private key"
    ),
    "_provider: except (binascii.Error, ValueError) as exc:": (
        "ORD-02: a token whose header segment is base64url but not JSON (`YWJj.e30.c2ln`) is "
        "rejected, not an error; the mutant lets `json.loads`'s `ValueError` escape"
    ),
    "_provider: except Exception as exc:  # jwcrypto raises several types for bad input": (
        "ORD-02: a token with a good header but a payload or signature that is not base64url "
        "(jwcrypto refuses it) is rejected, not an error"
    ),
    "_provider: except LoadError as exc:": (
        "ORD-02/LOAD-04: a token checked while the store cannot load (its first load fails) is "
        "rejected; the mutant lets the `LoadError` escape from `verify`"
    ),
    "_provider: except RecursionError:": (
        "ORD-02: a token whose header is 1.3 KB of nested JSON arrays is rejected, not an "
        "error; the mutant lets the parser's `RecursionError` escape"
    ),
    "_provider: return Verification(False, None, (), str(exc))": (
        "ORD-02/LOAD-04: a token checked while the store cannot load (its first load fails) is "
        "rejected; the mutant reports it verified"
    ),
    "_publisher_config:  / @classmethod": (
        "PUB-07/PUB-14: a publisher opened as a new install (no mappings given) publishes "
        "`rsajwtsigningkey` and `test` on the RP endpoint and `rsajwtsigningkey` under "
        "`am.services.oauth2.oidc.signing.RSA` on the provider endpoint (issue 12: the suites "
        "hand the defaults over explicitly)"
    ),
    '_publisher_config: PROVIDER_SIGNING[0]: _mapping("rsajwtsigningkey"),': (
        "PUB-07/PUB-14: a publisher opened as a new install (no mappings given) publishes "
        "`rsajwtsigningkey` and `test` on the RP endpoint and `rsajwtsigningkey` under "
        "`am.services.oauth2.oidc.signing.RSA` on the provider endpoint (issue 12: the suites "
        "hand the defaults over explicitly)"
    ),
    '_publisher_config: PROVIDER_SIGNING[1]: _mapping("es256test"),': (
        "PUB-07/PUB-14: a publisher opened as a new install (no mappings given) publishes "
        "`rsajwtsigningkey` and `test` on the RP endpoint and `rsajwtsigningkey` under "
        "`am.services.oauth2.oidc.signing.RSA` on the provider endpoint (issue 12: the suites "
        "hand the defaults over explicitly); each provider signing ID maps its own demo alias "
        "(es256test, es384test, es512test)"
    ),
    '_publisher_config: PROVIDER_SIGNING[2]: _mapping("es384test"),': (
        "PUB-07/PUB-14: a publisher opened as a new install (no mappings given) publishes "
        "`rsajwtsigningkey` and `test` on the RP endpoint and `rsajwtsigningkey` under "
        "`am.services.oauth2.oidc.signing.RSA` on the provider endpoint (issue 12: the suites "
        "hand the defaults over explicitly); each provider signing ID maps its own demo alias "
        "(es256test, es384test, es512test)"
    ),
    '_publisher_config: PROVIDER_SIGNING[3]: _mapping("es512test"),': (
        "PUB-07/PUB-14: a publisher opened as a new install (no mappings given) publishes "
        "`rsajwtsigningkey` and `test` on the RP endpoint and `rsajwtsigningkey` under "
        "`am.services.oauth2.oidc.signing.RSA` on the provider endpoint (issue 12: the suites "
        "hand the defaults over explicitly); each provider signing ID maps its own demo alias "
        "(es256test, es384test, es512test)"
    ),
    "_publisher_config: include_all_combinations: bool = False": (
        "PUB-07/PUB-14: a publisher opened as a new install (no mappings given) publishes "
        "`rsajwtsigningkey` and `test` on the RP endpoint and `rsajwtsigningkey` under "
        "`am.services.oauth2.oidc.signing.RSA` on the provider endpoint (issue 12: the suites "
        "hand the defaults over explicitly); with PUB-09, its kids do not repeat"
    ),
    '_purposes: ("oct", None): _SIG | _ENC, -> ("oct", None): _SIG & _ENC,': (
        "PUR-05 (D-11): HS256, HS384 and HS512 tokens verify with `oct` keys of exactly 256, "
        "384 and 512 bits from a `file:` set, and a key one byte shorter is never used (no "
        "test loads a local oct key today)"
    ),
    '_purposes: ("oct", None): _SIG | _ENC, -> ("oct", None): _SIG - _ENC,': (
        "PUR-03: an `oct` JWK with neither `use` nor `key_ops` in a `file:` set is eligible "
        "for `encrypt` as well as `verify`"
    ),
    (
        '_purposes: Purpose.DECRYPT: _Rule("enc", frozenset({"decrypt", "unwrapKey"}), '
        "needs_private=True),"
    ): (
        "PUR-03 (D-13): a JWK of a local set with no private members is never served for "
        "`decrypt` (only for `encrypt`)"
    ),
    '_purposes: Purpose.SIGN: _Rule("sig", frozenset({"sign"}), needs_private=True),': (
        "PUR-03 (D-13): a JWK of a local set with no private members is never served for "
        "`sign` (only for `verify`)"
    ),
    '_purposes: crv = jwk.get("crv") if kty == "OKP" else None': (
        "PUR-01/PUR-03: an RSA JWK that carries a stray `crv` member still serves `verify` "
        "(members a key type does not define are ignored, RFC 7517 section 4); the mutant "
        "reads the curve of every kty after OKP in ASCII order and finds no capability"
    ),
    "_store: if outcome is None:": (
        "LOAD-04 with D-5: after a failed first load, a second query inside the retry pause "
        "must end in the store's load error again; the mutant raises `TypeError` (`raise "
        "None`)"
    ),
    "_store: if self._owns_client:": (
        "CFG-09: closing a store leaves a user-given `handler` open (the harness's client "
        "still works after the store is closed); the mutant closes the user's client and leaks "
        "its own"
    ),
    "_store: self._owns_client = config.handler is None": (
        "CFG-09: closing a store leaves a user-given `handler` open (the harness's client "
        "still works after the store is closed); the mutant closes the user's client and leaks "
        "its own"
    ),
}
