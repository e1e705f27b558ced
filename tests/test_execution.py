"""The phase scheduler (no kernels: stand-in phases), the phase records, the deferred grammar import."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from synthaudit.phases import PHASES as REGISTERED
from synthaudit.execution import PhaseResult, phase_records, phases_to_run, run_phases


@dataclass(frozen=True)
class P:
    """A stand-in phase with the registry's name, number and declared inputs (no notebook)."""
    number: str
    name: str
    notebook: str = ""
    reads: tuple[str, ...] | None = None


PHASES = tuple(P(p.number, p.name, reads=p.reads) for p in REGISTERED)


class StandIn:
    """Records when each phase starts and ends; fails the phases named in ``fail``."""

    def __init__(self, fail=(), seconds=0.05):
        self.fail, self.seconds = set(fail), seconds
        self.events: list[tuple[str, str]] = []
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, phase):
        with self.lock:
            self.events.append(("start", phase.name))
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.events.append(("end", phase.name))
            self.running -= 1
        return PhaseResult(phase.number, phase.name, "failed" if phase.name in self.fail else "succeeded")

    def started(self):
        return [name for what, name in self.events if what == "start"]

    def index(self, what, name):
        return self.events.index((what, name))


def test_each_phase_starts_after_its_inputs_and_two_run_at_once():
    stand_in = StandIn()
    done = run_phases(PHASES, stand_in, {}, workers=2)
    assert sorted(done) == sorted(p.name for p in PHASES)
    assert stand_in.most == 2
    for name in ("segregation", "iam", "cloudtrail"):
        assert stand_in.index("start", name) > stand_in.index("end", "inventory")
    assert all(stand_in.index("start", "summary") > stand_in.index("end", p.name) for p in PHASES[:5])
    assert stand_in.started()[:2] == ["inventory", "leak"]  # leak needs no snapshot


def test_one_worker_runs_one_at_a_time():
    stand_in = StandIn(seconds=0.01)
    run_phases(PHASES, stand_in, {}, workers=1)
    assert stand_in.most == 1 and len(stand_in.started()) == 6


def test_a_failed_input_stops_its_readers_only():
    stand_in = StandIn(fail={"inventory"})
    done = run_phases(PHASES, stand_in, {}, workers=2)
    assert set(done) == {"inventory", "leak"}
    records = phase_records(PHASES, PHASES, {}, done)
    assert [r.status for r in records] == ["failed", "not_run", "not_run", "not_run", "succeeded", "not_run"]
    assert {r.error for r in records if r.status == "not_run"} == {"an earlier phase failed"}


def test_a_failed_side_phase_stops_the_summary():
    done = run_phases(PHASES, StandIn(fail={"iam"}), {}, workers=2)
    assert set(done) == {"inventory", "segregation", "iam", "cloudtrail", "leak"}


def test_resume_runs_what_did_not_succeed_and_keeps_the_rest():
    earlier = {"inventory": {"number": "01", "name": "inventory", "status": "succeeded", "seconds": 3.0},
               "iam": {"number": "03", "name": "iam", "status": "failed"}}
    todo = phases_to_run(PHASES, PHASES, earlier)
    assert [p.name for p in todo] == ["segregation", "iam", "cloudtrail", "leak", "summary"]
    done = run_phases(todo, StandIn(), {}, workers=2)
    records = phase_records(PHASES, PHASES, earlier, done)
    assert records[0].seconds == 3.0 and all(r.status == "succeeded" for r in records)


def test_unselected_phases_say_so_and_do_not_hold_up_others():
    selected = [PHASES[2]]
    done = run_phases(phases_to_run(PHASES, selected, {}), StandIn(), {}, workers=2)
    records = phase_records(PHASES, selected, {}, done)
    assert [r.status for r in records] == ["not_run", "not_run", "succeeded", "not_run", "not_run", "not_run"]
    assert records[0].error == "not selected"


def test_an_error_in_a_phase_reaches_the_caller_with_what_finished():
    def run_one(phase):
        if phase.name == "leak":
            time.sleep(0.2)
            raise KeyboardInterrupt
        return PhaseResult(phase.number, phase.name, "succeeded")

    done: dict[str, PhaseResult] = {}
    with pytest.raises(KeyboardInterrupt):
        run_phases(PHASES, run_one, done, workers=2)
    assert "inventory" in done and "summary" not in done


CHECKS = """
from jsonschema import FormatChecker
check = FormatChecker()
print([check.conforms(v, f) for v, f in (("http://a/b?c#d", "iri"), ("::not an iri", "iri"),
                                         ("a b", "iri-reference"), ("r%C3%A9f/x", "iri-reference"))])
"""


def test_deferred_iri_grammar_answers_as_the_real_one():
    pytest.importorskip("rfc3987_syntax")
    deferred = """
import sys
from synthaudit.quickimport import defer_iri_grammar, _Deferred
defer_iri_grammar()
import jsonschema
assert isinstance(sys.modules["rfc3987_syntax"], _Deferred)  # importing jsonschema did not build the grammar
""" + CHECKS + """
assert not isinstance(sys.modules["rfc3987_syntax"], _Deferred)
"""
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for code in (deferred, CHECKS)]
    assert outs[0] == outs[1] == "[True, False, False, True]\n"
