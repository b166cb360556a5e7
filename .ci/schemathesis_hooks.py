"""schemathesis hooks for .ci/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

The stateful phase follows the document's links (submit -> get -> orders -> pause/resume/cancel -> retry-failed),
but a random submit body almost never names dates, a location and a contact mapping the demo business accepts, so
the chain would stop at the first 400. In the stateful phase only, and only for positive (schema-valid) cases,
submits are made acceptable (the fuzzing and coverage phases fuzz the submit body itself): a past week, every
location, auto-matched contacts, with the generated options kept. Every other case, in every phase, is left
exactly as generated. The week is older than the demo's orders (the last 6 months): a request with nothing to
push makes no Xero call, so dozens of them do not queue the API's own Xero reads behind their pacing.

Webhook endpoints (POST /api/webhook-endpoints): in every phase, a generated URL with a scheme becomes
<scheme>://127.0.0.1/fuzzed, so fuzzing never makes the service resolve a random name or register a random public
address it would then POST events to (this machine reaches no network but its own). Under `npm start` loopback
URLs are refused (WEBHOOK_ALLOW_PRIVATE_URLS is off), so those cases test the refusal; others are left as
generated.
"""

import datetime
import random
import re

import schemathesis
from schemathesis.generation.meta import TestPhase

_random = random.Random(20261201)


def _loopback(url):
    # Anything with a scheme could parse as a URL naming a host (WHATWG URLs even take "https:example.com"):
    # it becomes a loopback URL. Without a scheme it is not an absolute URL, refused before any lookup.
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
        return url
    scheme = url.split(":", 1)[0]
    return f"{scheme}://127.0.0.1/fuzzed"


@schemathesis.hook
def map_case(context, case):
    if case.operation.label == "POST /api/webhook-endpoints":
        if isinstance(case.body, dict) and isinstance(case.body.get("url"), str):
            case.body = {**case.body, "url": _loopback(case.body["url"])}
        return case
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
