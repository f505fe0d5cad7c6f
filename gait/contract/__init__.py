"""The data contract every stage reads or writes.

Recordings, results, errors, constants, metric definitions and the words of the
contract. These modules import no stage of the analysis.
"""
