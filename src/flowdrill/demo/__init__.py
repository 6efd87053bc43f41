"""Bundled demo workspace: the fictional Northwind Outfitters integration estate."""
