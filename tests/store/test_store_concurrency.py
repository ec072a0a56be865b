"""Trial threads writing at once, with another writer (bookkeeping of the running trials) and a
reader beside them."""

from __future__ import annotations

import threading

from store_helpers import start

from tunestudio.store import EvalPoint, Store

TRIALS_PER_THREAD, STEPS = 6, 400


def test_two_trial_threads_a_bookkeeping_writer_and_a_reader(store: Store,
                                                             experiment_id: int) -> None:
    errors: list[BaseException] = []
    done = threading.Event()
    finished: list[int] = []

    def trial_thread(first_number: int) -> None:
        try:
            for n in range(first_number, first_number + TRIALS_PER_THREAD):
                tid = start(store, experiment_id, number=n)
                with store.series_writer(flush_points=97, flush_seconds=0.01) as writer:
                    for i in range(STEPS):
                        writer.add_step(tid, i, i / 100, 1.0 / (i + 1), 0.1, 0.5)
                    writer.add_eval(tid, EvalPoint(STEPS, 4.0, 1.0, 0.5, 0.5))
                    store.finish_trial(tid, state="complete", objective=float(n))
                finished.append(tid)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def bookkeeping() -> None:
        try:
            while not done.is_set():
                running = [t.id for t in store.trials(experiment_id) if t.state == "running"]
                store.set_group(running, None)  # a write on the rows being written
                store.step_series(running, max_points=100)
                store.counts(experiment_id)
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=trial_thread, args=(k * 100,)) for k in range(2)]
    helper = threading.Thread(target=bookkeeping)
    for th in [*writers, helper]:
        th.start()
    for th in writers:
        th.join()
    done.set()
    helper.join()

    assert errors == []
    assert store.counts(experiment_id)["complete"] == 2 * TRIALS_PER_THREAD
    series = store.step_series(finished)
    assert sorted(series) == sorted(finished)
    assert all(s.step.tolist() == list(range(STEPS)) for s in series.values())
    assert all(len(e) == 1 for e in store.eval_series(finished).values())
