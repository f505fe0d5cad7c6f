"""Small utilities that know nothing of gait: JSON, safe text, CSV, heap, scipy.signal."""
