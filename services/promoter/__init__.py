"""The promoter: evidence per model version from the event log, alias decisions, ledger, rollback.

Pure core: `evidence` (events -> per-version records), `stats` (beta-binomial posteriors),
`decision` (the rule). I/O at the edges: `source` (event store), `apply` (ledger, MLflow,
serving cache, inference reload), `jobs` (the RQ job), `cli`.
"""
