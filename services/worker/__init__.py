"""The one RQ worker of the node: promotion jobs first, then training jobs, one job at a time."""
