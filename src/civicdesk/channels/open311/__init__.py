"""Open311 GeoReport v2: the API city apps and FixMyStreet use to list services, report problems and follow them.

A channel at the edge (DESIGN.md): reports become cases through
:func:`civicdesk.domain.cases.actions.create_case` like every other channel, and
reads show only what the public may see (PK-PRIV). docs/open311.md is the
guide for client developers and for the city issuing their keys.
"""
