"""The staff REST API (``/api/v1/``): cases and their transitions over JSON, for integrations and the desk.

A channel at the edge (DESIGN.md "Architecture"): every endpoint reads
through :mod:`civicdesk.domain.cases.access` and writes through
:mod:`civicdesk.domain.cases.actions`; nothing here changes a case directly.
The :class:`ninja.NinjaAPI` instance is ``civicdesk.channels.api.api.api``.
"""
