"""The drill program: what carries findings and metrics from drill to drill.

Pure core: every module here takes drill records (built by the service from the event logs and
reports) and returns plain data or text; the service writes files.
"""
