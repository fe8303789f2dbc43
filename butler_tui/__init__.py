"""butler-tui: terminal stations for a hotel butler team, sharing one SQLite file."""

__version__ = "0.1.0"
