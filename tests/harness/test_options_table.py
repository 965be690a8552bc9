"""The run options: one table that ``jwkconform run`` and the pytest plugin are built from,
checked once into `RunOptions` with one sentence per problem in either spelling, one
builder of the replay command, and judgements that become data only to cross a process."""

from __future__ import annotations

from typing import Any

import pytest
from pytester_files import VERDICTS_FILE

from jwkconform._cli import _parser
from jwkconform.harness.report._reports import Invocation
from jwkconform.harness.report._verdicts import Judgement
from jwkconform.harness.run._options import OPTIONS, Option, Program, RunOptions
from jwkconform.harness.seam._timeline import Event, Timeline

# Every option at the default pytest gives it.
DEFAULTS = {o.dest: o.keywords("pytest")["default"] for o in OPTIONS}
PREFIXES: dict[Program, str] = {"jwkconform run": "--", "pytest": "--jwk-"}


def _value(option: Option) -> tuple[list[str], Any]:
    """Words that give ``option`` a value, and the value they give."""
    if option.flag:
        return [], True
    if option.choices:
        return [option.choices[-1]], option.choices[-1]
    if option.type is not None:
        return ["3"], option.type("3")
    return ["x:y"], ["x:y"] if option.repeatable else "x:y"


@pytest.mark.parametrize("option", OPTIONS, ids=[o.name for o in OPTIONS])
def test_jwkconform_run_takes_each_option_in_both_spellings(option: Option) -> None:
    words, value = _value(option)
    for name in (option.name, *option.aliases, f"jwk-{option.name}"):
        args = _parser().parse_args(["run", f"--{name}", *words])
        assert getattr(args, option.dest) == value


@pytest.mark.parametrize("option", [o for o in OPTIONS if o.pytest], ids=lambda o: o.name)
def test_pytest_takes_each_option_as_jwk(pytester: pytest.Pytester, option: Option) -> None:
    words, value = _value(option)
    for name in (option.name, *option.aliases):
        config = pytester.parseconfig(f"--jwk-{name}", *words)
        assert getattr(config.option, f"jwk_{option.dest}") == value


@pytest.mark.parametrize(
    ("values", "sentence"),
    [
        ({"adapter": " "}, "{p}adapter is empty (an unset variable?): give a value or drop it"),
        ({"requirement": [""]}, "{p}requirement is empty (an unset variable?): give a value or"
         " drop it"),
        ({"adapter": "a:f", "driver": "cmd"}, "{p}adapter and {p}driver exclude each other"),
        ({"fetch_timeout": 0.0}, "{p}fetch-timeout must be a positive number of seconds"),
        ({"shard": "3/2"}, "{p}shard 3/2: K must be between 1 and N"),
        ({"requirement": ["KID-01,NOPE-1"]}, "{p}requirement: "),
    ],
)  # fmt: skip
def test_a_bad_option_is_one_sentence_in_either_spelling(
    values: dict[str, Any], sentence: str
) -> None:
    for program, prefix in PREFIXES.items():
        with pytest.raises(pytest.UsageError) as raised:
            RunOptions.checked({**DEFAULTS, **values}, program)
        assert str(raised.value).startswith(sentence.format(p=prefix))


def test_the_replay_carries_the_target_and_what_changes_verdicts() -> None:
    values = {
        **DEFAULTS, "adapter": "a:f", "strict": True, "transport": "loopback", "timeout": 30.0,
        "requirement": ["KID-01"], "test": ["test_k.py::test_x"],
    }  # fmt: skip
    run = RunOptions.checked(values, "jwkconform run").invocation
    assert run == Invocation(
        "jwkconform run",
        ("--adapter", "a:f"),
        ("--strict", "--transport", "loopback", "--timeout", "30.0"),
        ("--requirement", "KID-01", "--test", "test_k.py::test_x"),
    )
    plugin = RunOptions.checked(values, "pytest").invocation
    assert plugin == Invocation(
        "pytest",
        ("--jwk-adapter", "a:f"),
        ("--jwk-strict", "--jwk-transport", "loopback", "--jwk-timeout", "30.0"),
    )
    # The ini key names the adapter where no option does; the defaults add nothing.
    bare = RunOptions.checked(DEFAULTS, "pytest", adapter="ini:f").invocation
    assert bare == Invocation("pytest", ("--jwk-adapter", "ini:f"))


def test_a_judgement_is_the_same_after_crossing_a_process_as_data() -> None:
    timeline = Timeline((Event(0.5, "fetch", "GET /jwks.json", True, {"store": 1}),), 100.0)
    judgement = Judgement(
        "test_kid.py::test_x", "KID-03", "failed", "kid 'a' answered 'A'",
        example="kid='a'", timeline=timeline, cause={"exit_status": 3, "stderr": "boom"},
    )  # fmt: skip
    again = Judgement.from_data(judgement.to_data())
    assert (again, again.example, again.cause) == (judgement, "kid='a'", judgement.cause)
    assert again.timeline is not None
    assert again.timeline.as_json() == timeline.as_json()


def test_without_xdist_the_reports_carry_the_judgements_themselves(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_verdicts=VERDICTS_FILE)
    recorded = pytester.inline_run("-p", "no:cacheprovider")
    calls = [r for r in recorded.getreports("pytest_runtest_logreport") if r.when == "call"]
    assert calls
    for report in calls:
        assert all(isinstance(j, Judgement) for j in report.jwkconform)
