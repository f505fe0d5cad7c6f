"""Input checks: plausible units, side and placement; what each sensor can resolve."""
