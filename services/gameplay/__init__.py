"""The gameplay service: public game API, Lite UI pages, event log and promotion ledger endpoints.

Run it with `python -m services.gameplay serve` (see `--help`); configure it with the environment
variables of services.gameplay.settings.Settings.
"""
