"""The result type of schedkit.batch: DeadlineEstimate (short repr, immutable, pickles)."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

import schedkit as sk
from schedkit import batch


def estimate() -> batch.DeadlineEstimate:
    graph = sk.dag.TaskGraph([0, 0, 1, 2], [1, 2, 3, 3], data=[4, 2, 1, 3])
    platform = sk.dag.Platform([[2, 3], [3, 1], [4, 2], [2, 2]], latency=[1, 0])
    return batch.deadline_probability(
        graph, platform, [0, 0, 1, 1], [0, 1, 2, 3], 9.5, samples=500, sigma=0.2, seed=1, device="numpy"
    )


def test_deadline_estimate_pickles_and_round_trips_equal():
    est = estimate()
    again = pickle.loads(pickle.dumps(est))
    assert again == est and type(again) is batch.DeadlineEstimate
    assert again.samples == 500 and 0.0 < again.probability < 1.0


def test_deadline_estimate_repr_is_one_short_line():
    est = estimate()
    text = repr(est)
    assert text.startswith("<batch.DeadlineEstimate p=") and text.endswith(">")
    assert "\n" not in text and len(text) < 120
    assert "samples=500" in text
    exact = batch.DeadlineEstimate(1.0, 0.9, 1.0, 50, 9.0, 9.0)
    assert repr(exact) == "<batch.DeadlineEstimate p=1 (95% CI 0.9..1) samples=50 mean=9 p95=9>"


def test_deadline_estimate_is_immutable():
    est = estimate()
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.probability = 0.5  # type: ignore[misc]
