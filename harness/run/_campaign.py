"""Campaigns: ``jwkconform run --seeds 1-20`` and ``jwkconform merge``.

A campaign runs the same suites once per seed, in as many worker processes as ``--jobs``
gives, every core by default (at most one per seed). A worker imports jwkconform, pytest,
Hypothesis and the suites once and runs its seeds one after another in process, each a whole
`jwkconform run` in one process with its own report, so a seed costs its examples and not
the start-up. The seeds' reports are merged (`jwkconform.harness.report._merge`) into the
one report the campaign writes; with
``--report-json PATH`` each seed's own report is kept beside it (``PATH.seed-S.json``), the
input of a later ``jwkconform merge``. A worker's pytest output goes to a log that is shown
only when its seed could not report.

    jwkconform run --seeds 1-20 --report-json out/campaign.json --report-html out/c.html
    jwkconform merge out/shard-*.json --seeds 1-3 --report-html merged.html --junit merged.xml
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from types import FrameType
from typing import Any, Final

from jwkconform.harness.report._matrix_reports import MatrixError, load_report
from jwkconform.harness.report._merge import MergeError, merge_documents, seed_list, seeds_text
from jwkconform.harness.report._merged_report import campaign_lines, write_merged
from jwkconform.harness.run._jobs import jobs_for
from jwkconform.harness.run._options import expected_failures_path
from jwkconform.harness.run._problems import RunProblem, UsageProblem
from jwkconform.harness.spec._expected import ExpectedFailures

__all__ = ["add_merge_arguments", "campaign", "campaign_seeds", "merge"]

# One whole `jwkconform run` (`jwkconform.harness.run._cli.run`), handed in: it imports this.
RunOne = Callable[[argparse.Namespace], int]

_JUNIT_FLAGS: Final = ("--junitxml", "--junit-xml")
_LOG_TAIL: Final = 12
_GRACE: Final = 10.0  # seconds the running seeds get to stop by themselves after Ctrl-C


# -- run --seeds ----------------------------------------------------------------------------


def _junit_path(pytest_args: Sequence[str]) -> tuple[str | None, list[str]]:
    """``--junitxml PATH`` taken out of the pytest arguments: the campaign writes it."""
    rest, path, args = [], None, list(pytest_args)
    while args:
        word = args.pop(0)
        flag, eq, value = word.partition("=")
        if flag in _JUNIT_FLAGS:
            path = value if eq else (args.pop(0) if args else None)
        else:
            rest.append(word)
    return path, rest


def _one_seed(run: RunOne, args: argparse.Namespace, seed: int, folder: str) -> int:
    """Run seed ``seed`` in this worker process; its report lands in ``folder``."""
    one = argparse.Namespace(**vars(args))
    one.seeds, one.seed, one.report_md, one.report_html = None, seed, None, None
    one.jobs = "1"  # the campaign's workers fill the cores, a seed each
    one.report_json = str(Path(folder) / f"seed-{seed}.json")
    sys.stdout.flush()
    sys.stderr.flush()
    with open(Path(folder) / f"seed-{seed}.log", "w", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            return run(one)
        except RunProblem as exc:
            print(f"jwkconform run: error: {exc}", file=sys.stderr)
            return exc.status
        finally:
            sys.stdout.flush()
            sys.stderr.flush()


def _workers(args: argparse.Namespace, count: int) -> int:
    """Worker processes for ``count`` seeds: ``--jobs`` of them, at most one a seed."""
    return max(1, min(count, jobs_for(args.jobs, narrowed=False)))


def _run_seeds(
    run: RunOne, args: argparse.Namespace, seeds: Sequence[int], folder: str
) -> tuple[dict[int, dict[str, Any]], bool]:
    """Every seed's report (those that wrote one), and whether the campaign was interrupted.

    On Ctrl-C the seeds not started are dropped, and the running ones are given
    `_GRACE` seconds to stop by themselves (a terminal's Ctrl-C reaches the workers too),
    then interrupted; each still writes its report, marked interrupted. A second Ctrl-C
    stops the workers at once.
    """
    documents: dict[int, dict[str, Any]] = {}
    workers = _workers(args, len(seeds))
    # spawn: a fresh interpreter per worker, the same on every platform, no forked threads.
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
    # Seeds are handed out one at a time as workers free up, so that after Ctrl-C no seed
    # is left queued to start.
    waiting = list(reversed(seeds))
    pending: dict[Future[int], int] = {}

    def hand_out() -> None:
        while waiting and len(pending) < workers:
            seed = waiting.pop()
            pending[pool.submit(_one_seed, run, args, seed, folder)] = seed

    interrupted = False
    try:
        hand_out()
        try:
            _gather(pending, documents, folder, hand_out)
        except KeyboardInterrupt:
            interrupted = True
            waiting.clear()
            try:
                _gather(pending, documents, folder, hand_out, timeout=_GRACE)
                _signal_workers(pool, signal.SIGINT)
                _gather(pending, documents, folder, hand_out)
            except KeyboardInterrupt:
                _signal_workers(pool, signal.SIGTERM)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return documents, interrupted


def _gather(
    pending: dict[Future[int], int],
    documents: dict[int, dict[str, Any]],
    folder: str,
    more: Callable[[], None],
    timeout: float | None = None,
) -> None:
    """Collect the seeds of ``pending`` as they end, handing out ``more`` as they do (for
    ``timeout`` seconds at most)."""
    until = None if timeout is None else time.monotonic() + timeout
    while pending:
        left = None if until is None else max(0.0, until - time.monotonic())
        done, _ = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
        if not done:
            return
        for future in done:
            documents.update(_collect(pending.pop(future), future, folder))
        more()


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) stops a campaign as Ctrl-C does: its workers are
    interrupted too, instead of running on without it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _signal_workers(pool: ProcessPoolExecutor, signum: int) -> None:
    # The executor has no public way to reach its processes; without one, shutdown waits.
    for process in list(getattr(pool, "_processes", {}).values()):
        if process.is_alive() and process.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signum)


def _collect(seed: int, future: Future[int], folder: str) -> dict[int, dict[str, Any]]:
    """The report of a seed that ended; a seed without one is said on standard error."""
    report = Path(folder) / f"seed-{seed}.json"
    problem = future.exception()
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # a worker that died: say so, keep the others
        why = problem or exc
        log = Path(folder) / f"seed-{seed}.log"
        tail: list[str] = []
        with contextlib.suppress(OSError):
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-_LOG_TAIL:]
        print(f"seed {seed}: no report ({type(why).__name__}: {why})", file=sys.stderr)
        for line in tail:
            print(f"  {line}", file=sys.stderr)
        return {}
    counts = ", ".join(
        f"{n} {v}" for v, n in document["summary"].items() if n and v not in {"pass", "skip"}
    )
    state = "complete" if document["complete"] else "INCOMPLETE"
    print(f"seed {seed}: exit status {document['exit_status']}, {state}"
          f"{', ' + counts if counts else ''}", flush=True)  # fmt: skip
    return {seed: document}


def campaign_seeds(args: argparse.Namespace) -> list[int]:
    """The seeds ``--seeds`` names; a UsageProblem for a bad list or beside ``--seed``."""
    try:
        seeds = seed_list(args.seeds)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    if args.seed is not None:
        raise UsageProblem("--seed and --seeds exclude each other")
    return seeds


def campaign(
    args: argparse.Namespace,
    seeds: Sequence[int],
    run: RunOne,
    expected: ExpectedFailures | None,
) -> int:
    """``jwkconform run --seeds``: each seed ``run`` in a worker process; the exit status of
    the merged report (checked against ``expected``)."""
    junit, pytest_args = _junit_path(args.pytest_args)
    args = argparse.Namespace(**{**vars(args), "pytest_args": pytest_args})
    started = time.time()
    print(f"jwkconform: campaign of {len(seeds)} seeds ({seeds_text(seeds)}),"
          f" {_workers(args, len(seeds))} worker processes")  # fmt: skip
    with (
        tempfile.TemporaryDirectory(prefix="jwkconform-campaign-") as folder,
        _terminate_as_interrupt(),
    ):
        runs, interrupted = _run_seeds(run, args, seeds, folder)
    if not runs:
        print("jwkconform run: error: no seed of the campaign wrote a report", file=sys.stderr)
        return 130 if interrupted else 3
    try:
        document = merge_documents(
            [runs[s] for s in sorted(runs)], [f"seed {s}" for s in sorted(runs)],
            seeds=seeds, expected=expected,
        )  # fmt: skip
    except MergeError as exc:
        print(f"jwkconform run: error: {exc}", file=sys.stderr)
        return 3
    document["duration"] = round(time.time() - started, 3)
    if interrupted:
        document["exit_status"] = 130
    print()
    print("\n".join(campaign_lines(document)))
    write_merged(document, json_path=args.report_json, md_path=args.report_md,
                 html_path=args.report_html, junit_path=junit)  # fmt: skip
    if args.report_json is not None:
        for seed, part in runs.items():
            beside = Path(args.report_json).with_suffix(f".seed-{seed}.json")
            beside.write_text(json.dumps(part, indent=2) + "\n", encoding="utf-8")
    return int(document["exit_status"])


# -- jwkconform merge -----------------------------------------------------------------------


def add_merge_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``jwkconform merge``."""
    parser.add_argument("reports", nargs="+", metavar="REPORT.json",
                        help="JSON reports of shards and seeds of one run")  # fmt: skip
    parser.add_argument("--seeds", metavar="LIST", help="the seeds the campaign ran (1-20 or"
                        " 1,5,9): a seed without a report makes the merge incomplete")  # fmt: skip
    parser.add_argument("--expected-failures", metavar="FILE", help="check the merged verdicts"
                        " against this file (default: the one the reports name)")  # fmt: skip
    parser.add_argument("--report-json", metavar="PATH", help="write the merged JSON report")
    parser.add_argument("--report-md", metavar="PATH", help="write the merged Markdown report")
    parser.add_argument("--report-html", metavar="PATH", help="write the merged HTML report")
    parser.add_argument("--junit", metavar="PATH", help="write JUnit XML, a case per requirement")
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="exit with the merged verdicts' status even when the merge is"
                        " incomplete: a shard or seed missing, or a part incomplete itself"
                        " (default: exit status 3)")  # fmt: skip


def _expectations(
    args: argparse.Namespace, documents: Sequence[Mapping[str, Any]]
) -> ExpectedFailures | None:
    named = args.expected_failures or documents[0]["expectations"]["file"]
    if named is None:
        return None
    for candidate in (named, Path(named).stem):  # the path, else the shipped file by name
        path = expected_failures_path(candidate)
        if path.is_file():
            return ExpectedFailures.load(path)
    raise MergeError(f"cannot read the expected-failures file {named}: pass --expected-failures")


def merge(args: argparse.Namespace) -> int:
    """``jwkconform merge``: its exit status."""
    try:
        seeds = seed_list(args.seeds) if args.seeds is not None else None
        documents = [dict(load_report(path).document) for path in args.reports]
        document = merge_documents(
            documents, args.reports, seeds=seeds, expected=_expectations(args, documents)
        )
        write_merged(document, json_path=args.report_json, md_path=args.report_md,
                     html_path=args.report_html, junit_path=args.junit)  # fmt: skip
    except (MergeError, MatrixError, ValueError) as exc:
        print(f"jwkconform merge: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"jwkconform merge: error: cannot write: {exc}", file=sys.stderr)
        return 2
    print("\n".join(campaign_lines(document)))
    if document["incomplete"] and not args.allow_incomplete:
        return 3
    return int(document["exit_status"])
