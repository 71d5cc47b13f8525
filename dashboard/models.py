"""The dashboard keeps no tables of its own: an upload's progress is a job (jobs.Job), the same record a
background job reports to, so a page and Doubtfire's client poll one thing."""
