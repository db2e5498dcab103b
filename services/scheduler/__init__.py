"""The local stand-in for the Kubernetes CronJobs: on a timer, enqueue training and promotion jobs.

It only enqueues (by job path string, so it never imports the trainer or the promoter); the
one RQ worker runs the jobs, one at a time.
"""
