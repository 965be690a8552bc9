"""The HTML report of a failing run in a real headless Chromium (Debian's ``chromium``):
the verdict table shows, the filter its script reads from the address hides the other rows,
and the finding's timeline is drawn with the expected fetch. The page's own script runs:
the DOM is the one Chromium serialises after it (``--dump-dom``), and a screenshot proves
the page renders. Skipped, with the reason, where no Chromium is installed (``.ci/install``
installs one in CI).
"""

from __future__ import annotations

import html.parser
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from report_adapters import child_env, write_stale_adapter

BROWSER_TIMEOUT = 60.0
RUN_TIMEOUT = 300.0


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless browser: install Debian's chromium package (.ci/install does in CI)",
)


def _browse(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium, headless, with a profile of its own; killed (its whole process group) if it
    outlives the deadline."""
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env={**os.environ, "HOME": str(profile)},
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {BROWSER_TIMEOUT:g} s")
    finally:
        if process.poll() is None:  # pragma: no cover - communicate() reaped it
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of a run against an adapter that breaks CACHE-02."""
    folder = tmp_path_factory.mktemp("browser")
    write_stale_adapter(folder)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "jwkconform.suites", "-p",
         "no:cacheprovider", "--jwk-adapter", "stale:factory", "--jwk-seed", "4",
         "--jwk-requirement", "CACHE-02,CFG-01", "--jwk-report-html", "report.html"],
        cwd=folder, env=child_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-2000:]
    return folder / "report.html"


class _Rows(html.parser.HTMLParser):
    """The verdict table's rows as the browser left them: (id, verdict, hidden)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str, bool]] = []
        self.levels: dict[str, str] = {}
        self.svgs: list[list[tuple[str, dict[str, str | None]]]] = []
        self._svg: list[tuple[str, dict[str, str | None]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "data-filtered" in found:
            hidden = "hidden" in found or "display: none" in (found.get("style") or "")
            self.rows.append((str(found.get("id")), str(found.get("data-verdict")), hidden))
            self.levels[str(found.get("id"))] = str(found.get("data-level"))
        if tag == "svg":
            self._svg = []
            self.svgs.append(self._svg)
        if self._svg is not None:
            self._svg.append((tag, found))

    def handle_data(self, data: str) -> None:
        if self._svg is not None and data.strip():
            self._svg.append(("#text", {"text": data.strip()}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg = None


def _dom(page: Path, profile: Path, suffix: str = "") -> _Rows:
    completed = _browse(profile, "--dump-dom", page.as_uri() + suffix)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert 'data-filter-ready="yes"' in completed.stdout, "the page's script did not run"
    parsed = _Rows()
    parsed.feed(completed.stdout)
    return parsed


def test_the_verdict_table_is_shown_whole_without_a_filter(
    report_page: Path, tmp_path: Path
) -> None:
    dom = _dom(report_page, tmp_path)
    assert len(dom.rows) > 50
    assert not any(hidden for _, _, hidden in dom.rows)
    verdicts = {rid: verdict for rid, verdict, _ in dom.rows}
    assert (verdicts["row-CACHE-02"], verdicts["row-CFG-01"]) == ("fail", "pass")
    shot = tmp_path / "shot.png"
    completed = _browse(tmp_path, f"--screenshot={shot}", "--window-size=1200,900",
                        report_page.as_uri())  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("suffix", "verdict", "shown"),
    [("#verdict=fail", "fail", "row-CACHE-02"), ("?verdict=pass&level=MUST", "pass", "row-CFG-01")],
)
def test_the_filter_from_the_address_hides_the_other_rows(
    report_page: Path, tmp_path: Path, suffix: str, verdict: str, shown: str
) -> None:
    dom = _dom(report_page, tmp_path, suffix)
    visible = {rid for rid, _, hidden in dom.rows if not hidden}
    assert shown in visible
    assert {v for _, v, hidden in dom.rows if not hidden} == {verdict}
    assert len(visible) < len(dom.rows) - 40, "the other rows are still shown"
    if "level=MUST" in suffix:
        assert {dom.levels[rid] for rid in visible} == {"MUST"}


def test_the_level_filter_alone(report_page: Path, tmp_path: Path) -> None:
    dom = _dom(report_page, tmp_path, "#level=SHOULD")
    visible = {rid for rid, _, hidden in dom.rows if not hidden}
    assert visible
    assert {dom.levels[rid] for rid in visible} == {"SHOULD"}
    assert {dom.levels[rid] for rid, _, hidden in dom.rows if hidden} == {"MUST", "MAY"}


def test_the_timeline_is_drawn_with_the_expected_fetch(report_page: Path, tmp_path: Path) -> None:
    dom = _dom(report_page, tmp_path, "#verdict=fail")
    assert dom.svgs, "no timeline was drawn"
    first = dom.svgs[0]
    classes = [str(a.get("class")) for tag, a in first if tag in {"rect", "circle"}]
    assert "mark fetch expected" in classes
    assert "mark fetch ok" in classes
    assert "mark query" in classes
    labels = [a["text"] for tag, a in first if tag == "#text"]
    assert "expected fetch" in labels
    assert "check failed" in labels
