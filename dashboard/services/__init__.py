"""Writes of the dashboard itself: uploads waiting for Confirm (`staging`) and what Undo can put back (`trash`).

The imports and attendance writes are the shared services of `doubtfire.services` and `attendance.services`;
these modules only keep the dashboard's own state around them.
"""
