"""A classroom on one server: S students, each in a browser page training live, with runs in threads, processes or on Ray.

Each place gets its own `streamlit run playground/server.py` on loopback, told where every run
trains (GAN_PLAYGROUND_RUN_PLACE; the Ray one also gets GAN_PLAYGROUND_RAY_ADDRESS of a local Ray
this benchmark starts and stops), and one headless Chromium holds a context per student. Every
student presses play and watches; over a window we count each student's fresh frames (the run
view's `window.__liveChart.fresh`) and steps (the status line), and the CPU of the server's whole
process session from /proc, split into training (its runner threads, its run processes) and the
rest (pages, frames, status lines). The first window of each place, one student each, takes turns
across places, so the Ray/thread frames ratio is measured side by side. The students, the runs and
the server share this machine's cores: on 2 cores the absolute figures show contention, the
comparisons between places are the point.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.browser import CHROMIUM_ARGS, ROOT
from benchmarks.budget import QUICK, Budget
from benchmarks.report import Row, Section, ratio_row
from benchmarks.timing import ratios, summarise

CHROMIUM = Path("/usr/bin/chromium")
PLACES = ("thread", "process", "ray")
RATIO_TARGET = 0.9          # a live run on a Ray actor shows at least this share of a thread run's frames
SETTLE_S = 1.5              # after play: the rerun, the first frames, a process's or an actor's start
STATUS = re.compile(r"step ([\d,]+) ·")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Plan:
    students: tuple[int, ...]     # class sizes measured, in order (students are added, never replaced)
    window_s: float               # one timed window
    reps: int                     # one-student windows per place, taking turns across places


FULL_PLAN, QUICK_PLAN = Plan((1, 4, 8), 4.0, 2), Plan((1, 4), 3.0, 1)


@dataclass(frozen=True)
class Cell:
    """One window of one class size on one place."""

    place: str
    students: int
    fresh: list[float]            # fresh frames/s, per student
    steps: list[float]            # steps/s from the status line, per student
    cpu: float                    # cores the server's session used
    training: float               # of which its runner threads and run processes
    runs: dict[str, int]          # where the runs were at the window's end (Server.where)


def measure(budget: Budget) -> Section:
    section = Section("Load: students on one server (streamlit + one headless Chromium, a context each)")
    if not CHROMIUM.exists():
        section.notes.append("skipped: /usr/bin/chromium is missing (apt-get install chromium)")
        return section
    plan = QUICK_PLAN if budget is QUICK else FULL_PLAN
    cap = max(plan.students)
    import ray      # the benchmark's own local Ray, for the Ray place's actors (ray: requirements-dev.txt)
    servers: dict[str, Server] = {}
    try:
        # Started together, the Ray one last (it needs the address): their imports overlap.
        servers = {place: Server(place, cap) for place in PLACES if place != "ray"}
        # One CPU per session's actor, plus the student beyond the cap: a paused run keeps its actor.
        ray.init(address="local", num_cpus=cap + 1, include_dashboard=False, logging_level="WARNING")
        servers["ray"] = Server("ray", cap, ray.get_runtime_context().gcs_address)
        for server in servers.values():
            server.wait_healthy()
        cells, told = _classes(servers, plan, cap, ray, section.notes)
    finally:
        for server in servers.values():
            server.stop()
        ray.shutdown()
    _report(section, cells, told, plan, cap)
    return section


def _classes(servers: dict[str, "Server"], plan: Plan, cap: int, ray, notes: list[str]) -> tuple[list[Cell], bool | None]:
    """Every window of every place, and whether the student beyond the cap was told (None: not tried)."""
    from playwright.sync_api import Error as PlaywrightError, sync_playwright
    cells, told = [], None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        classes = {place: _open(browser, server.url, 1) for place, server in servers.items()}
        # One student per place, places taking turns: the ratio's two sides see the same machine.
        for _ in range(plan.reps):
            for place, server in servers.items():
                cells.append(_window(server, classes[place], plan.window_s, ray, pause_after=True))
        for place, server in servers.items():
            students = classes[place]
            try:
                for size in plan.students[1:]:
                    _pause(students)            # new pages load faster with no run training
                    students += _open(browser, server.url, size - len(students))
                    cells.append(_window(server, students, plan.window_s, ray))
            except PlaywrightError as err:      # a page that never came: a machine too busy for this class
                notes.append(f"{place}: stopped at {len(students)} students ({str(err).splitlines()[0]})")
            # The cap is Supervised's, the same over every place (tests/test_run.py and
            # test_rayrunner.py); seen here once, where it is new: over Ray actors.
            if place == "ray" and cells[-1].students == cap:
                told = _one_more_is_refused(browser, server.url)
            for student in students:
                student.page.context.close()
            server.stop()                       # its runs end; the next place gets the cores
        browser.close()
    return cells, told


# ---- the students ----------------------------------------------------------------------------
@dataclass
class Student:
    page: object                  # playwright Page
    playing: bool = False

    def play(self) -> None:
        """Press the play button (which is the pause button while the run plays)."""
        self.page.evaluate("() => document.querySelector('.st-key-play button').click()")

    def read(self) -> tuple[int, int, float]:
        """Fresh frames drawn so far, the step on the status line, and when: one call into the page."""
        fresh, line = self.page.evaluate(READ_JS)
        return fresh, int(STATUS.search(line).group(1).replace(",", "")), time.perf_counter()


# The run view's chart is a same-origin iframe: its counters are read from the page in one call.
CHART_JS = "document.querySelector('.st-key-view-a iframe')?.contentWindow?.__liveChart"
READ_JS = f"""() => [{CHART_JS}.fresh,
  [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')].map((e) => e.innerText)
    .find((t) => /step [\\d,]+ ·/.test(t)) || ""]"""
OPEN_TIMEOUT_MS = 180_000     # eight pages loading on two busy cores


def _open(browser, url: str, n: int) -> list[Student]:
    """n more students: pages asked for all at once (their loads overlap), then each waited for."""
    pages = []
    for _ in range(n):
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(url, wait_until="commit")
        pages.append(page)
    for page in pages:
        page.wait_for_function(f"() => {CHART_JS}?.newPlots >= 1", timeout=OPEN_TIMEOUT_MS)
        page.get_by_text(STATUS).first.wait_for(timeout=OPEN_TIMEOUT_MS)
    return [Student(page) for page in pages]


def _pause(students: list[Student]) -> None:
    for student in students:
        if student.playing:
            student.play()                      # the same button pauses
            student.playing = False


def _window(server: "Server", students: list[Student], seconds: float, ray, pause_after: bool = False) -> Cell:
    """Every student playing (those not yet playing press play), then one timed window."""
    for student in students:
        if not student.playing:
            student.play()
            student.playing = True
    time.sleep(SETTLE_S)
    before, cpu0, t0 = [s.read() for s in students], server.cpu(), time.perf_counter()
    time.sleep(seconds)
    after, cpu1, t1 = [s.read() for s in students], server.cpu(), time.perf_counter()
    runs = server.where(ray if server.place == "ray" else None)
    if pause_after:
        _pause(students)
    # Each student's rates over its own two readings: reading eight pages takes a while.
    return Cell(server.place, len(students),
                fresh=[(a[0] - b[0]) / (a[2] - b[2]) for a, b in zip(after, before)],
                steps=[(a[1] - b[1]) / (a[2] - b[2]) for a, b in zip(after, before)],
                cpu=(cpu1[0] - cpu0[0]) / (t1 - t0), training=(cpu1[1] - cpu0[1]) / (t1 - t0), runs=runs)


def _one_more_is_refused(browser, url: str) -> bool:
    """A student beyond the cap presses play: told "cannot start", and the page shows no exception."""
    from playwright.sync_api import expect
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # This student only needs the controls and the notice: no 4.8 MB of plotly.js to parse.
    context.route("**/plotly.min.js", lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(url)
        page.get_by_text(STATUS).first.wait_for(timeout=OPEN_TIMEOUT_MS)
        Student(page).play()
        expect(page.get_by_text(re.compile("cannot start: the server is already training"))).to_be_visible(timeout=30_000)
        return page.locator('[data-testid="stException"]').count() == 0
    except AssertionError:
        return False
    finally:
        context.close()


# ---- the server ------------------------------------------------------------------------------
class Server:
    """`streamlit run playground/server.py` on a free loopback port, every run in one place."""

    def __init__(self, place: str, cap: int, ray_address: str | None = None):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "GAN_PLAYGROUND_RUN_PLACE": place, "GAN_PLAYGROUND_MAX_RUNNERS": str(cap),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        env.pop("GAN_PLAYGROUND_RAY_ADDRESS", None)
        if ray_address is not None:
            env["GAN_PLAYGROUND_RAY_ADDRESS"] = ray_address
        self.place, self.url = place, f"http://127.0.0.1:{port}"
        # Its own session: the server and every process it starts are one group, stopped together.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "playground" / "server.py"),
             "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def wait_healthy(self) -> None:
        for _ in range(1200):
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.place} server exited with code {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the {self.place} server did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the server's session, and of the part that trains (runner threads
        in the server, run processes it started)."""
        total = training = 0.0
        for pid, session, cmdline in _processes():
            if session != self.process.pid:
                continue
            used = _cpu_of(Path(f"/proc/{pid}/stat"))
            total += used
            if b"gancore.procrunner" in cmdline:
                training += used
            elif pid == self.process.pid:
                training += sum(_cpu_of(t / "stat") for t in Path(f"/proc/{pid}/task").iterdir()
                                if _comm(t).startswith("gan-runner-"))
        return total, training

    def where(self, ray=None) -> dict[str, int]:
        """Where the runs train, seen from outside: runner threads in the server, run processes it
        started (spares included) and, given the benchmark's Ray, the actors on it."""
        seen = {"runner threads": sum(_comm(t).startswith("gan-runner-")
                                      for t in Path(f"/proc/{self.process.pid}/task").iterdir()),
                "run processes": sum(session == self.process.pid and b"gancore.procrunner" in cmd
                                     for _, session, cmd in _processes())}
        if ray is not None:
            seen["Ray actors"] = round(ray.cluster_resources().get("CPU", 0) - ray.available_resources().get("CPU", 0))
        return seen


def _processes():
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            session = int(stat.read_text().rsplit(")", 1)[1].split()[3])
            yield int(stat.parent.name), session, (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue                              # it ended while we looked


def _cpu_of(stat: Path) -> float:
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * TICK_S      # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _comm(task: Path) -> str:
    try:
        return (task / "comm").read_text().strip()
    except OSError:
        return ""


# ---- the report ------------------------------------------------------------------------------
def _report(section: Section, cells: list[Cell], told: bool | None, plan: Plan, cap: int) -> None:
    last = {c.place: c for c in cells}                  # each place's largest class
    verified = {place: _where_asked(c) for place, c in last.items()}
    solo = {place: [statistics.median(c.fresh) for c in cells if c.place == place and c.students == 1] for place in PLACES}
    if verified["ray"] and verified["thread"]:
        section.rows.append(ratio_row("a live run on a Ray actor: fresh frames/s vs a thread run (1 student)",
                                      summarise(ratios(solo["ray"], solo["thread"])), RATIO_TARGET))
    if verified["ray"] and told is not None:
        section.rows.append(Row(f"runs on Ray: the student beyond the cap of {cap} is told 'cannot start'",
                                float(told), "", "", "== 1", told))
    for place, cell in last.items():
        section.rows.append(Row(f"{place}: server CPU besides training, {cell.students} students",
                                cell.cpu - cell.training, "cores"))
    section.notes[:0] = _table(cells)
    for place, cell in last.items():
        counts = ", ".join(f"{n} {what}" for what, n in cell.runs.items())
        section.notes.append(f"{place}, {cell.students} students playing: {counts}"
                             + ("" if verified[place] else "  <- NOT where asked: does playground/sessions.py "
                                                           "read GAN_PLAYGROUND_RUN_PLACE?"))
    section.notes.append(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
                         f"windows of {plan.window_s:g} s after {SETTLE_S:g} s of play; one-student figures "
                         f"are medians of {plan.reps} turns; the cap (GAN_PLAYGROUND_MAX_RUNNERS) is {cap}")


def _where_asked(cell: Cell) -> bool:
    """Each server was asked for one place: did it use it? (A server that ignores the setting puts
    every single run in a thread, which would make the comparison void.)"""
    runs, n = cell.runs, cell.students
    return {"thread": runs["runner threads"] == n,
            "process": runs["runner threads"] == 0 and runs["run processes"] >= n,
            "ray": runs["runner threads"] == runs["run processes"] == 0 and runs.get("Ray actors", 0) >= n}[cell.place]


def _table(cells: list[Cell]) -> list[str]:
    """Per place and class size: per-student frames and steps (median, min), and the server's CPU."""
    lines = [f"{'place':<8}{'students':>9}{'fresh frames/s':>18}{'steps/s':>16}{'server CPU':>12}{'training':>10}",
             f"{'':<17}{'median (min)':>18}{'median (min)':>16}{'cores':>12}{'cores':>10}"]
    for place in PLACES:
        sizes = sorted({c.students for c in cells if c.place == place})
        for size in sizes:
            group = [c for c in cells if c.place == place and c.students == size]
            fresh = [f for c in group for f in c.fresh]
            steps = [s for c in group for s in c.steps]
            cpu, training = statistics.median(c.cpu for c in group), statistics.median(c.training for c in group)
            lines.append(f"{place:<8}{size:>9}{statistics.median(fresh):>11.1f} ({min(fresh):4.1f})"
                         f"{statistics.median(steps):>9.0f} ({min(steps):4.0f}){cpu:>12.2f}{training:>10.2f}")
    return lines
