"""Processing algorithms of the planner-gis provider (thin wrappers around planner_gis)."""
