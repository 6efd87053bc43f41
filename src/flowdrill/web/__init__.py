"""The browser UI and REST API of live drills (``flowdrill serve``): a thin edge over the
service layer."""
