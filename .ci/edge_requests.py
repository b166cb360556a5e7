"""Requests schemathesis does not generate, against the started system of .ci/schemathesis.sh.

Usage: python3 edge_requests.py API_URL API_KEY

- Bodies nested 5,000 and 100,000 deep (arrays, objects, and deep in a field of the documented body) to every
  operation that takes a body. Written as text: no JSON encoder here or in schemathesis nests that deep.
- A body that is not UTF-8, to every operation that takes a body.
- Headers over Node's 16 KB limit, to every operation.

Every answer must be a 4xx the operation documents, as application/problem+json: any 5xx, an undeclared status or
another content type fails the run (exit 1), and each such answer is printed. Only the standard library is used.
"""

import json
import re
import sys
import urllib.error
import urllib.request

DEPTHS = (5_000, 100_000)


def arrays(n):
    return "[" * n + "]" * n


def objects(n):
    return '{"a":' * n + "1" + "}" * n


def in_field(n, schema):
    # The first property the documented body has (a real field name), holding the deep value.
    name = next(iter(schema.get("properties", {})), "x")
    return "{" + json.dumps(name) + ":" + arrays(n) + "}"


def send(method, url, headers, body=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read()


def operations(document):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            # Path parameters: an id that exists nowhere (the body is checked first, or a 404 answers).
            concrete = re.sub(r"\{[^}]+\}", "sr_edge_0000000000", path)
            yield method.upper(), path, concrete, op


def body_schema(op, document):
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    ref = schema.get("$ref")
    if ref:
        for part in ref.lstrip("#/").split("/"):
            document = document[part]
        schema = document
    return schema


def main():
    api, key = sys.argv[1], sys.argv[2]
    with urllib.request.urlopen(api + "/openapi.json", timeout=30) as response:
        document = json.load(response)
    auth = {"authorization": "Bearer " + key}
    cases = []
    for method, path, concrete, op in operations(document):
        declared = set(op["responses"])
        big = {**auth, "x-padding": "x" * (20 * 1024)}
        cases.append((method, path, concrete, declared, big, None, "headers of 20 KB", 431))
        if "requestBody" not in op:
            continue
        json_headers = {**auth, "content-type": "application/json", "idempotency-key": "edge-requests"}
        schema = body_schema(op, document)
        for n in DEPTHS:
            for shape, body in (
                ("arrays", arrays(n)),
                ("objects", objects(n)),
                ("a field", in_field(n, schema)),
            ):
                what = f"{shape} nested {n:,} deep"
                cases.append((method, path, concrete, declared, json_headers, body.encode(), what, 400))
        not_utf8 = b'{"x":"Lat\xff\xfete","y":"\xed\xa0\x80"}'
        cases.append((method, path, concrete, declared, json_headers, not_utf8, "a body not UTF-8", 400))

    failures = []
    for method, path, concrete, declared, headers, body, what, expected in cases:
        status, content_type, text = send(method, api + concrete, headers, body)
        problem = content_type.startswith("application/problem+json")
        # The body's own answer (400) or one that comes before it (a 404 for an id that exists nowhere, a 422 for
        # a reused Idempotency-Key): never a 5xx, always a status the operation documents, always problem+json.
        ok = 400 <= status < 500 and problem and str(status) in declared
        if expected == 431:
            ok = ok and status == 431
        if not ok:
            failures.append(f"{method} {path} with {what}: {status} {content_type} {text[:200]!r}")

    print(f"edge requests: {len(cases)} sent, {len(failures)} failed")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
