"""Daily operation: the scheduler process, its jobs and their configuration.

`config` reads the jobs from TOML (or the built-in defaults), `catchup` plans missed runs after
a restart, `jobs` holds what a job runs (a crawl in a child process, the follow-up of referrals,
a queued "crawl now" request) and `service` is the one APScheduler process with its job store in
the project database.
"""
