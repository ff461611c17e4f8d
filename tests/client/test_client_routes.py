"""The client calls the server's routes: each path it names is a served row of the route
table (the client writes them out so as to load nothing of the server)."""

from __future__ import annotations

from awsconn.api.paths import ROUTES
from awsconn.client import routes


def test_every_path_the_client_calls_is_a_served_route() -> None:
    served = {r.path for r in ROUTES if r.planned is None}
    named = {getattr(routes, name) for name in routes.__all__}
    assert named - served == set()
    assert len(named) == len(routes.__all__)  # no two names for one path
