"""The device layer: BLE and phone sensors, their profiles, decoders, capture files and replay.

It imports nothing from ``gait``; ``devices/API.md`` lists the public signatures.
"""
