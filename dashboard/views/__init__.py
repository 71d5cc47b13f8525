"""The teacher dashboard's pages, one module per concept. Thin: read the request, call one service or selector,
render. Permissions come from `doubtfire.permissions`; writes from the same services the API calls.

accounts: signing in, out and up, password, help · courses: attendance courses and their tabs · uploads: staged
attendance uploads · units: units, task grid, staged imports · trash: Undo · progress: upload progress (jobs).
"""
