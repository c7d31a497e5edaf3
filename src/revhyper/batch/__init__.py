"""The batch engines: every profile of a JSON lines input on the cores of this machine (batch.py), or on a Dask
cluster, one output file per input partition (dask_batch.py)."""
