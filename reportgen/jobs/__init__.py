"""Background jobs: the database row is the truth, runners only deliver job ids.

Delivery is at-least-once (a killed worker's job is delivered again), so every step is
idempotent: `claims.claim_job` lets one worker at a time hold a job under a lease,
`run.execute_job` only reads inputs until the end, and `claims.finish_job` writes the
report in the same transaction that checks the worker still holds its claim. A job can
therefore run more than once but finishes exactly once.
"""
