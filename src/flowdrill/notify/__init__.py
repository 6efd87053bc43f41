"""Notification and escalation rehearsal: drill messages on the channels teams really use.

``policy`` (which step is due when) and ``ack`` (signed acknowledgement links) are pure;
``channels`` is the plugin interface; ``webhook``, ``email`` and ``inapp`` are the channels;
``delivery`` retries with backoff and turns every failure into a reported outcome.
"""
