"""Scale-out on Spark: the documented `mapInArrow` pattern on a `local[2]` session gives the
in-process results, and each Python worker process compiles the pickled engine once, however
many tasks it runs."""

from __future__ import annotations

import os
import sys
from typing import Any, Iterator

import pyarrow as pa
import pytest

import saring
from test_pickle_dask import _frame

# Installed by `cargo xtask test` (with a Java runtime): a missing package fails, not skips.
import pyspark.sql as pyspark_sql  # noqa: E402

RESULT_SCHEMA = (
    "outcome string, score long, hits array<string>, shadow_hits array<string>, "
    "incomplete array<string>, invalid array<string>, error string"
)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # Workers run this interpreter (the venv saring is installed in), not `python3` on PATH.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("saring-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.python.worker.reuse", "true")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_map_in_arrow_equals_in_process(small: saring.Engine, spark: Any) -> None:
    df = _frame(3000)
    local = small.screen_frame(df)
    df["row"] = range(len(df))
    # Spark resolves a dot in a column name as a struct field: the nested field travels as
    # `interview__agent_present` and gets its schema path back in the worker.
    spark_df = spark.createDataFrame(
        df.rename(columns={"interview.agent_present": "interview__agent_present"})
    ).repartition(8)
    engine = small  # pickled into the closure, rebuilt (once) per worker process

    def screen_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from saring._saring import _unpickle_compilations

        for batch in batches:
            batch = batch.rename_columns([n.replace("__", ".") for n in batch.schema.names])
            out = engine.screen_frame(batch)
            n = out.num_rows
            yield pa.RecordBatch.from_arrays(
                out.columns
                + [
                    batch.column(batch.schema.get_field_index("row")),
                    pa.array([os.getpid()] * n, pa.int64()),
                    pa.array([_unpickle_compilations()] * n, pa.int64()),
                ],
                names=out.schema.names + ["row", "pid", "compilations"],
            )

    schema = RESULT_SCHEMA + ", row long, pid long, compilations long"
    remote = spark_df.mapInArrow(screen_batches, schema).toPandas().sort_values("row")
    assert len(remote) == len(local) == 3000
    assert list(remote.outcome) == list(local.outcome)
    assert list(remote.score) == list(local.score)
    assert [list(h) for h in remote.hits] == [list(h) for h in local.hits]
    assert [list(i) for i in remote.incomplete] == [list(i) for i in local.incomplete]
    assert [list(i) for i in remote.invalid] == [list(i) for i in local.invalid]
    # Eight tasks ran; each worker process compiled the engine once.
    assert spark_df.rdd.getNumPartitions() == 8
    per_worker = remote.groupby("pid").compilations.max()
    assert len(per_worker) >= 1
    assert set(per_worker) == {1}, per_worker.to_dict()


def test_unpickling_the_same_engine_twice_compiles_once(small: saring.Engine) -> None:
    import pickle

    from saring._saring import _unpickle_compilations

    before = _unpickle_compilations()
    a = pickle.loads(pickle.dumps(small))
    b = pickle.loads(pickle.dumps(small))
    assert _unpickle_compilations() - before <= 1
    record = {"country": "KH", "return_ticket": False, "age": 19}
    assert a.screen(record).to_json() == b.screen(record).to_json() == small.screen(record).to_json()
