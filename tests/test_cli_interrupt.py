"""Ctrl-C during a solver's C++ run: the command runs in a worker thread, so the main thread takes the interrupt at
once (one line on stderr, exit 2) instead of after the run (a bench record in HiGHS answered ~160 s late)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

SCRIPT = textwrap.dedent("""
    import argparse, sys
    import highspy, numpy as np, scipy.sparse as sp
    from optmarkets.app import cli

    def long_solve(args):
        rng = np.random.default_rng(0)
        m, n = 3000, 6000  # a random LP HiGHS's simplex takes tens of seconds on
        A = sp.random(m, n, density=0.01, random_state=0, format="csc")
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("time_limit", 60.0)
        inf = highspy.kHighsInf
        h.passModel(n, m, A.nnz, 1, 1, 0.0, -rng.uniform(0, 1, n), np.zeros(n), np.full(n, inf),
                    np.full(m, -inf), np.ones(m), A.indptr.astype(np.int32), A.indices.astype(np.int32),
                    A.data, np.zeros(n, np.int32))
        print("running", flush=True)
        h.run()
        print("finished", flush=True)
        return 0

    class Parser:
        def parse_args(self, argv):
            return argparse.Namespace(fn=long_solve)

    cli.parser = Parser
    sys.argv = ["optmarkets"]
    cli.entry()
""")


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child process")
def test_ctrl_c_during_a_highs_run_ends_the_command_at_once_with_one_line():
    child = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None
        while child.stdout.readline() not in ("running\n", ""):  # past HiGHS's banner
            pass
        time.sleep(1.0)  # inside HiGHS's run
        sent = time.perf_counter()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=90)
        waited = time.perf_counter() - sent
    finally:
        child.kill()
    assert child.returncode == 2
    assert err == "optmarkets: error: interrupted\n" and "finished" not in out
    assert waited < 10.0, f"the interrupt took {waited:.1f} s: the run held the main thread"


def test_the_commands_worker_thread_runs_in_the_callers_context():
    """The command runs in a worker thread started in a copy of the caller's context: a scoped `om.limits(...)`
    block (a contextvar, which a new thread would not inherit) around main() holds in the command."""
    import argparse

    import optmarkets as om
    from optmarkets.app.cli import _in_worker
    from optmarkets.core import limits

    def command(args):
        return limits.current().max_entries

    with om.limits(max_entries=3):
        assert _in_worker(command, argparse.Namespace()) == 3
    assert _in_worker(command, argparse.Namespace()) == limits.MAX_ENTRIES


def _session(sid: int) -> list[int]:
    """The processes of session `sid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    stat = handle.read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[3]) == sid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum,said", [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "terminated")])
def test_ctrl_c_or_sigterm_during_a_parallel_sweep_leaves_no_worker_process_behind(signum, said):
    """The interrupt reaches the command's thread too, so the sweep's own clean-up runs (joblib kills its loky
    workers); with the interrupt in the main thread only, both workers kept solving at full CPU after the CLI had
    exited, holding its pipes open (audit). SIGTERM (a scheduler's time limit) takes the same path."""
    models = os.path.join(os.path.dirname(__file__), os.pardir, "models", "bdhn-uniform-10-sym.toml")
    child = subprocess.Popen([sys.executable, "-c", "from optmarkets.app.cli import entry; entry()", "sweep",
                              models, "--problem", "revenue", "--vary", "alpha=0.1:2:2000", "--n-jobs", "2",
                              "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while len(_session(child.pid)) < 3 and time.monotonic() < deadline:  # the CLI and its workers
            time.sleep(0.2)
        assert len(_session(child.pid)) >= 3, "the sweep's workers never started"
        time.sleep(1.0)
        child.send_signal(signum)
        _, err = child.communicate(timeout=30)
        deadline = time.monotonic() + 15
        while _session(child.pid) and time.monotonic() < deadline:  # loky's resource trackers leave on their own
            time.sleep(0.2)
        left = _session(child.pid)
    finally:
        for pid in _session(child.pid):
            os.kill(pid, signal.SIGKILL)
    assert child.returncode == 2 and err == f"optmarkets: error: {said}\n"
    assert left == [], f"{len(left)} processes of the sweep outlived the CLI"
