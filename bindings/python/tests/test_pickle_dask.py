"""Scale-out: an Engine pickled to two worker processes screens partitions exactly like the
in-process engine."""

from __future__ import annotations

import pandas as pd

import saring
from conftest import small_rows


def _frame(n: int) -> pd.DataFrame:
    rows = small_rows(n)
    for r in rows:
        r["interview.agent_present"] = r.pop("interview", {}).get("agent_present")
    df = pd.DataFrame(rows)
    # A nullable boolean dtype: Dask turns `object` columns into strings.
    df["interview.agent_present"] = df["interview.agent_present"].astype("boolean")
    return df


def test_dask_map_partitions_on_local_cluster(small: saring.Engine) -> None:
    # Installed by `cargo xtask test`: a missing package fails rather than skips.
    import dask.dataframe as dd
    import distributed
    df = _frame(5000)
    local = small.screen_frame(df)
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        ddf = dd.from_pandas(df, npartitions=6)
        meta = small.screen_frame(df.head(0))
        remote = ddf.map_partitions(small.screen_frame, meta=meta).compute()
        workers = client.run(lambda: __import__("os").getpid())
    assert len(workers) == 2
    remote = remote.sort_index()
    assert list(remote.index) == list(local.index)
    assert list(remote.outcome) == list(local.outcome)
    assert list(remote.score) == list(local.score)
    assert [list(h) for h in remote.hits] == [list(h) for h in local.hits]
    assert [list(i) for i in remote.incomplete] == [list(i) for i in local.incomplete]
