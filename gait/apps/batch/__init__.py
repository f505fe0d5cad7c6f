"""Batch analysis of many recordings.

File discovery, the run, its units of work, and the executors that run them (a process
pool that survives its workers, a dask cluster).
"""
