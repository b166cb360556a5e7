"""schemathesis hooks for .ci/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

The stateful phase follows the document's links (submit -> get -> orders -> pause/resume/cancel -> retry-failed),
but a random submit body almost never names dates, a location and a contact mapping the demo business accepts, so
the chain would stop at the first 400. In the stateful phase only, and only for positive (schema-valid) cases,
submits are made acceptable (the fuzzing and coverage phases fuzz the submit body itself): a past week, every
location, auto-matched contacts, with the generated options kept. Every other case, in every phase, is left
exactly as generated. The week is older than the demo's orders (the last 6 months): a request with nothing to
push makes no Xero call, so dozens of them do not queue the API's own Xero reads behind their pacing.
"""

import datetime
import random

import schemathesis
from schemathesis.generation.meta import TestPhase

_random = random.Random(20261201)


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if case.operation.label != "POST /api/sync-requests" or meta is None:
        return case
    if meta.phase.name != TestPhase.STATEFUL or not meta.generation.mode.is_positive:
        return case
    if not isinstance(case.body, dict):
        return case
    end = datetime.date.today() - datetime.timedelta(days=_random.randint(200, 400))
    start = end - datetime.timedelta(days=_random.randint(0, 6))
    options = case.body.get("options")
    case.body = {
        "channel": _random.choice(["pos", "online", "b2b"]),
        "locationId": "all",
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "contactMapping": {"mode": "auto"},
        **({"options": options} if isinstance(options, dict) else {}),
    }
    return case
