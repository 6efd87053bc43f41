"""Bundled demo workspace: the fictional Northwind Outfitters integration estate.

Its n8n and Node-RED flows are imported from the native exports in ``exports/`` (see
``exports/README.md``); everything else is hand-written.
"""
