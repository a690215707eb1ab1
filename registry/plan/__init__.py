"""The plan's indicators: plans as data, the Department's activities, tallies, the dashboard and reports."""
