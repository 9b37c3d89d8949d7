"""Routes of metrics (spec §7.14): the member route answers for the id asked, 404 when unknown."""

from starlette.responses import Response

from .context import Call
from .operations import operation
from .render_metrics import METRIC
from .rendering import render_many, render_one
from .routes_common import filters, found


@operation("metrics", "index")
def metrics_index(call: Call) -> Response:
    return render_many(call, METRIC, call.driver.metrics(filters(call)))


@operation("metrics", "show")
def metrics_show(call: Call) -> Response:
    return render_one(call, METRIC, found(call.driver.metric(call.params["id"])))

