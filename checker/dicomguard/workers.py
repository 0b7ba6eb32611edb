"""Units evaluated in parallel worker processes, results handed back in unit order.

Each worker is a process of its own, started with multiprocessing's spawn method: a fresh
interpreter that inherits nothing of the scan (no engine, no loaded tree), and a direct child of
the scan, so that its CPU time and memory are the scan's and it ends with it. It builds its own
embedded engine (with the Rego sandbox) and keeps the per-unit time and memory budgets. A worker
that dies costs its unit only: the batch it was reading is read again in halves, down to the
unit on which a worker dies, which becomes an input error naming its file; a new worker takes
over, and the report is written. Small scans stay in one process: starting workers costs more
than it saves.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from dicomguard import units as budgets
from dicomguard.engines import Engine
from dicomguard.model import Facts, ScanError
from dicomguard.plan import SMALL_SCAN_FILES, Unit, batches
from dicomguard.records import record
from dicomguard.unit_scan import (
    UnitResult,
    UnitSetup,
    add_sections,
    collect_garbage,
    evaluate_batch,
)

POLL_SECONDS = 1.0
START_METHOD = "spawn"
MIB = 1024 * 1024
# A worker whose resident memory passed this after a batch hands its work to a fresh one. The
# embedded engine's native heap grows a few MiB with every batch that follows a parse, and
# never shrinks (measured in docs/decisions.md); a new worker costs about 0.3 s of CPU.
RETIRE_AT_MIB = 120


def in_workers(units: list[Unit], engine: Engine) -> bool:
    """Workers build their own engine by name: one without a name (a server's client) stays in
    the scan's process."""
    return (len(units) > 1 and bool(getattr(engine, "worker_name", None))
            and sum(unit.weight for unit in units) >= SMALL_SCAN_FILES)


def evaluated_batches(units: list[Unit], setup: UnitSetup, engine: Engine, jobs: int
                      ) -> Iterator[tuple[list[Unit], UnitResult]]:
    """Every batch of units (plan.batches) with its result, in unit order."""
    work = batches(units)
    if not in_workers(units, engine):
        for index, batch in enumerate(work):
            if index:
                collect_garbage()
            yield batch, evaluate_batch(batch, setup, engine)
        return
    pool = _Pool(min(jobs, len(work)), setup, engine.worker_name)  # type: ignore[attr-defined]
    yield from zip(work, pool.results(work), strict=True)


@record
class _Task:
    batch: int  # index in the scan's batches
    start: int  # the task's units are the batch's units[start:start + len(units)]
    units: list[Unit]
    whole: bool = True  # the whole batch, not a part of it read again


@record
class _Worker:
    process: Any
    connection: Any
    task: _Task | None = None
    started: float = 0.0


class _Pool:
    def __init__(self, jobs: int, setup: UnitSetup, engine_name: str) -> None:
        import multiprocessing

        self.context: Any = multiprocessing.get_context(START_METHOD)
        self.jobs = jobs
        self.setup = setup
        self.engine_name = engine_name
        self.overdue = 2 * budgets.BUDGET.seconds + 30  # the in-worker budget failed to stop it
        self.pending: deque[_Task] = deque()
        self.finished: dict[int, UnitResult] = {}
        self.parts: dict[int, dict[int, tuple[int, UnitResult]]] = {}  # batch, start

    def results(self, work: list[list[Unit]]) -> Iterator[UnitResult]:
        # Largest first, so that no large batch starts last while the other workers idle.
        order = sorted(range(len(work)), key=lambda index: -sum(u.weight for u in work[index]))
        self.sizes = [len(batch) for batch in work]
        self.pending.extend(_Task(index, 0, work[index]) for index in order)
        workers = [self._start() for _ in range(self.jobs)]
        try:
            for worker in workers:
                self._dispatch(worker)
            for index in range(len(work)):
                while index not in self.finished:
                    self._collect(workers)
                yield self.finished.pop(index)
        finally:
            for worker in workers:
                self._stop(worker)

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        # The setup goes through the connection, not the start: spawn writes its arguments to a
        # pipe the scan itself keeps open, and would wait forever on a worker that died starting.
        arguments = (child, budgets.BUDGET, RETIRE_AT_MIB, self.engine_name)
        process = self.context.Process(target=serve, args=arguments, daemon=True,
                                       name="dicomguard-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._send(worker, self.setup)
        return worker

    @staticmethod
    def _send(worker: _Worker, message: Any) -> None:
        """Send, or leave it to _outcome to find the worker dead."""
        with contextlib.suppress(OSError):
            worker.connection.send(message)

    def _dispatch(self, worker: _Worker) -> None:
        worker.task = None
        if self.pending:
            worker.task = self.pending.popleft()
            worker.started = time.monotonic()
            self._send(worker, worker.task.units)

    def _collect(self, workers: list[_Worker]) -> None:
        from multiprocessing.connection import wait

        busy = [worker for worker in workers if worker.task is not None]
        wait([handle for worker in busy
              for handle in (worker.connection, worker.process.sentinel)], timeout=POLL_SECONDS)
        for position, worker in enumerate(workers):
            task = worker.task
            if task is None:
                continue
            outcome = self._outcome(worker, task)
            if outcome is None:
                continue
            if not worker.process.is_alive():
                self._stop(worker)
                worker = workers[position] = self._start()
            if isinstance(outcome, UnitResult):
                self._done(task, outcome)
            elif len(task.units) > 1:  # find the unit it died on: read each half again
                half = len(task.units) // 2
                self.parts.setdefault(task.batch, {})
                self.pending.extendleft([
                    _Task(task.batch, task.start + half, task.units[half:], whole=False),
                    _Task(task.batch, task.start, task.units[:half], whole=False)])
            else:
                self._done(task, UnitResult(errors=[[ScanError(task.units[0].name, None,
                                                               outcome)]]))
            self._dispatch(worker)

    def _done(self, task: _Task, result: UnitResult) -> None:
        if task.whole:
            self.finished[task.batch] = result
            return
        parts = self.parts[task.batch]
        parts[task.start] = (len(task.units), result)
        if sum(size for size, _ in parts.values()) == self.sizes[task.batch]:
            del self.parts[task.batch]
            self.finished[task.batch] = joined([parts[start][1] for start in sorted(parts)])

    def _outcome(self, worker: _Worker, task: _Task) -> UnitResult | str | None:
        """The worker's result, why it has none (it died or overran), or None while it is
        still at work."""
        if worker.connection.poll():
            try:
                kind, payload = worker.connection.recv()
            except (EOFError, OSError):
                return self._death(worker)
            if kind == "failed":
                raise payload
            if kind == "retired":
                worker.process.join()
            result: UnitResult = payload
            return result
        if not worker.process.is_alive():
            return self._death(worker)
        if time.monotonic() - worker.started > self.overdue:
            worker.process.kill()
            worker.process.join()
            return (f"took longer than the {budgets.BUDGET.seconds:g} s a unit may take "
                    "(--unit-timeout); not analysed")
        return None

    @staticmethod
    def _death(worker: _Worker) -> str:
        worker.process.join()
        code = worker.process.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return (f"could not be analysed: the worker process reading it stopped ({how}); "
                "its findings are missing")

    @staticmethod
    def _stop(worker: _Worker) -> None:
        try:
            if worker.process.is_alive() and worker.task is None:
                worker.connection.send(None)
                worker.process.join(timeout=5)
        except (OSError, ValueError):
            pass
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()


def joined(results: list[UnitResult]) -> UnitResult:
    """One result for the units of a batch evaluated one by one."""
    total = UnitResult()
    for result in results:
        total.findings.extend(result.findings)
        total.facts.extend(result.facts)
        add_sections(total.errors, result.errors)
        add_sections(total.notes, result.notes)
        total.identity_errors.extend(result.identity_errors)
        total.unicode_errors.extend(result.unicode_errors)
        if result.kept_facts is not None:
            total.kept_facts = total.kept_facts or Facts()
            total.kept_facts.extend(result.kept_facts)
    return total


def serve(connection: Any, budget: budgets.Budget, retire_at_mib: float,
          engine_name: str = "embedded") -> None:
    """A worker: evaluates the batches it is sent until it is sent None, or until it has
    grown past `retire_at_mib` and hands over to a fresh worker."""
    import signal

    from dicomguard.engines import make_engine

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the scan's process stops its workers
    budgets.BUDGET = budget
    engine = make_engine(engine_name)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError, EOFError):
        _serve(connection, retire_at_mib, engine)  # suppressed: the scan's process is gone


def _serve(connection: Any, retire_at_mib: float, engine: Engine) -> None:
    setup: UnitSetup = connection.recv()
    while True:
        batch = connection.recv()
        if batch is None:
            return
        try:
            result = evaluate_batch(batch, setup, engine)
        except Exception as error:  # an engine failure ends the scan as it would in-process
            connection.send(("failed", error))
            continue
        if resident_mib() > retire_at_mib:
            connection.send(("retired", result))
            return
        connection.send(("done", result))
        collect_garbage()  # while the scan merges the result


def resident_mib() -> float:
    """This process's resident memory now (Linux), or its peak so far elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB
    except (OSError, ValueError, IndexError):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / MIB if sys.platform == "darwin" else peak / 1024
