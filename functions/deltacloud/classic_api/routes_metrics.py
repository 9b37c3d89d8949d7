"""Routes of metrics (spec §7.14): the member route answers for the id asked, 404 when unknown."""

from .render_metrics import METRIC
from .routes_common import index_endpoint, show_endpoint

metrics_index = index_endpoint(METRIC)
metrics_show = show_endpoint(METRIC)
