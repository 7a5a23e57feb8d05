"""A bare Django app, the baseline Podium is measured against: it does not run through Podium."""
