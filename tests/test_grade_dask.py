"""Grading on a Dask cluster: a LocalCluster on 127.0.0.1 with 2 worker processes gives the same rows
as grading on this machine, and a worker killed mid-run has its submissions graded again, each
counted once. Skipped without the `grade` extra (dask[distributed])."""

import os
import threading
import time

import pytest

from tinygrad_edu.grade import grade_submissions
from tinygrad_edu.runner import Limits

distributed = pytest.importorskip("distributed")

from test_grade import CLASS, CORRECT  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning",
                                        "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=50) as c:
        yield c


def test_the_cluster_gives_the_same_rows_as_this_machine(tmp_path, cluster):
    for name in ("correct.py", "db_axis.py", "elementwise.py", "exits.py", "syntax.py", "loops.py", "patches.py"):
        (tmp_path / name).write_text(CLASS[name][0])
    limits = Limits(timeout=2)
    here = grade_submissions([tmp_path], limits=limits, workers=2)
    there = grade_submissions([tmp_path], limits=limits, dask=cluster.scheduler_address)
    assert there.where == f"dask {cluster.scheduler_address}" and there.workers == 2
    assert [r.submission for r in there.rows] == [r.submission for r in here.rows]
    for a, b in zip(here.rows, there.rows):
        assert a.same_verdict(b), (a, b)


def test_a_worker_lost_mid_run_has_its_submissions_graded_again_once(tmp_path, cluster):
    slow = CORRECT.replace("    grads = {}", "    import time\n    time.sleep(0.4)\n    grads = {}")
    for i in range(6):
        (tmp_path / f"learner{i}.py").write_text(slow)

    def kill_a_worker():
        time.sleep(1.0)
        with distributed.Client(cluster.scheduler_address) as client:
            victim = sorted(client.scheduler_info()["workers"])[0]
            try:
                client.run(os._exit, 1, workers=[victim])
            except Exception:  # the worker dies before it answers
                pass

    with distributed.Client(cluster.scheduler_address) as client:
        before = set(client.scheduler_info()["workers"])
    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    result = grade_submissions([tmp_path], limits=Limits(timeout=10), dask=cluster.scheduler_address)
    killer.join()
    with distributed.Client(cluster.scheduler_address) as client:
        client.wait_for_workers(2, timeout=30)
        after = set(client.scheduler_info()["workers"])
    assert len(before - after) == 1  # one worker really was lost (its replacement has a new address)
    assert [r.submission for r in result.rows] == [f"learner{i}.py" for i in range(6)]
    assert [r.status for r in result.rows] == ["correct"] * 6
