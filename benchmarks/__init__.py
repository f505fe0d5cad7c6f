"""Benchmarks, each run as a script: ``python benchmarks/NAME.py``.

Also the measurement helpers the tests share with them, ``benchmarks._scoring`` (event
matching) and ``benchmarks._peak_memory``, imported with the repository root on
``sys.path``.
"""
