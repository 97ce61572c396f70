"""scenarios.stream_mapping and viz.streams: numbers worked out from first principles."""
import pytest

from lambdalab import scenarios
from lambdalab.viz import streams as stream_viz


def test_defaults_keep_up_and_account_for_every_record():
    r = scenarios.stream_mapping()
    assert r.counts["written"] == 100 * 30
    assert r.counts["processed"] == 3000 and r.counts["waiting"] == 0
    assert r.samples.throughput.sum() == 3000
    assert r.counts["max_iterator_age_s"] < 1          # 25 records/s per shard, easily handled
    assert r.counts["peak_concurrency"] <= 4            # one batch at a time per shard
    assert "3000 records on 4 shards" in r.summary()


def test_one_batch_at_a_time_per_shard_limits_throughput():
    # one shard, batches of 1, 100 ms each: after the 350 ms first call (250 ms cold start),
    # 10 records per second, while 50 per second arrive
    r = scenarios.stream_mapping(shards=1, rate=50, seconds=10, batch_size=1, function_ms=100,
                                 per_record_ms=0, run_for=10)
    at_10 = int(r.samples.processed.iloc[-1])
    assert 1 + int((10 - 0.35) / 0.1) - 1 <= at_10 <= 1 + int((10 - 0.35) / 0.1)
    # the oldest waiting record was written at about at_10 / 50 s
    assert r.samples.oldest_age.iloc[-1] == pytest.approx(10 - at_10 / 50, abs=0.05)


@pytest.mark.parametrize("shards, factor", [(4, 1), (4, 3), (2, 5)])
def test_peak_concurrency_is_shards_times_factor_under_load(shards, factor):
    r = scenarios.stream_mapping(shards=shards, parallelization_factor=factor, rate=200,
                                 seconds=10, batch_size=1, run_for=20)
    assert r.counts["max_concurrency"] == shards * factor
    assert r.counts["peak_concurrency"] == shards * factor


def test_poison_blocks_its_shard_and_the_age_grows_one_second_per_second():
    r = scenarios.stream_mapping(rate=20, seconds=60, batch_size=10, batching_window=2,
                                 poison_at=100, run_for=600)
    c = r.counts
    assert c["processed"] + c["waiting"] == 1200 and c["waiting"] > 0
    blocked = r.trace[r.trace.outcome == "error"].shard.unique()
    assert len(blocked) == 1                             # one shard, the others finish
    done = r.trace[r.trace.outcome == "success"].groupby("shard")["size"].sum()
    assert done[blocked[0]] < done.drop(blocked[0]).min()
    tail = r.samples.oldest_age.iloc[-100:].diff().dropna()
    assert (tail.round(6) == 1.0).all()
    ages = r.trace[r.trace.outcome == "error"].iterator_age_ms
    assert ages.is_monotonic_increasing and c["max_iterator_age_s"] > 500


def test_retry_limit_without_bisect_gives_up_the_whole_batch():
    r = scenarios.stream_mapping(rate=20, seconds=60, batch_size=10, batching_window=2,
                                 poison_at=100, max_retries=2, on_failure=True, run_for=300)
    errors = r.trace[r.trace.outcome == "error"]
    assert list(errors.attempt) == [1, 2, 3]            # 1 try + 2 retries
    size = int(errors["size"].iloc[0])
    assert r.counts["reported"] == size and r.counts["processed"] == 1200 - size
    info = r.failures[0]["KinesisBatchInfo"]
    assert info["batchSize"] == size and "data" not in str(r.failures[0])
    assert r.failures[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_bisect_isolates_the_poison_record():
    r = scenarios.stream_mapping(rate=20, seconds=60, batch_size=10, batching_window=2,
                                 poison_at=100, bisect=True, max_retries=2, on_failure=True,
                                 run_for=300)
    assert r.counts["reported"] == 1 and r.counts["processed"] == 1199
    assert r.failures[0]["KinesisBatchInfo"]["batchSize"] == 1
    assert r.counts["bisections"] >= 3                  # 9 -> 5 -> 3 -> 1 or similar
    without = scenarios.stream_mapping(rate=20, seconds=60, batch_size=10, batching_window=2,
                                       poison_at=100, bisect=True, max_retries=2, run_for=300)
    assert without.counts["dropped"] == 1 and not without.failures


def test_deterministic():
    a = scenarios.stream_mapping(rate=50, seconds=10, batch_size=3, parallelization_factor=2)
    b = scenarios.stream_mapping(rate=50, seconds=10, batch_size=3, parallelization_factor=2)
    assert a.samples.equals(b.samples) and a.trace.equals(b.trace) and a.summary() == b.summary()


def test_figures_have_fixed_traces_and_uids():
    r = scenarios.stream_mapping(rate=20, seconds=5)
    for fig, n in ((stream_viz.stream_dashboard(r), 4),
                   (stream_viz.iterator_age(r.samples, r.trace), 2),
                   (stream_viz.stream_throughput(r.samples), 2)):
        assert len(fig.data) == n
        assert all(t.uid for t in fig.data) and len({t.uid for t in fig.data}) == n
    empty = r.trace.iloc[0:0]
    assert len(stream_viz.iterator_age(r.samples, empty).data) == 2
