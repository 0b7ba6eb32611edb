"""The policy engines alone: median time to evaluate every rule over a generated facts document,
per engine and size. Complements bench/run.py, which times whole scans.

    python bench/engine_cost.py                       embedded and local opa
    python bench/engine_cost.py --opa-url URL         also an OPA server (pushed and preloaded;
                                                      preloaded needs the bundle on the server)

Each engine evaluates the same document, and the results are checked to be identical.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from dicomguard.engines import make_engine
from dicomguard.policies import load_policies

SIZES = (10, 100, 300, 1_000)


def facts_document(count: int) -> dict[str, Any]:
    """`count` facts of every kind, a third of them findings, some unresolved."""
    def origin(index: int, address: str) -> dict[str, Any]:
        return {"file": f"module_{index}/main.tf", "line": 3, "end_line": 12, "address": address}

    ingress, storage, services, grants = [], [], [], []
    for index in range(count):
        scope = ("internet", "private", "unknown")[index % 3]
        ingress.append({
            "id": f"sg{index}", "origin": origin(index, f"aws_security_group.pacs_{index}"),
            "platform": "aws", "mechanism": "aws_security_group", "protocol": "tcp",
            "ports": [[100, 11112]], "peers": [{"cidr": "0.0.0.0/0", "scope": scope}],
            "path": "", "unknown": []})
        storage.append({
            "id": f"vol{index}", "origin": origin(index, f"aws_ebs_volume.images_{index}"),
            "platform": "aws", "kind": "block", "encrypted": (True, False, None)[index % 3],
            "detail": "", "unknown": []})
        services.append({
            "id": f"svc{index}", "origin": origin(index, f"orthanc_{index}"),
            "platform": "orthanc", "product": "Orthanc", "reach": "internet",
            "authentication": (True, False, None)[index % 3], "listeners": [], "tls": None,
            "weak_credentials": [], "detail": "", "unknown": []})
        grants.append({
            "id": f"acl{index}", "origin": origin(index, f"aws_s3_bucket_acl.a{index}"),
            "platform": "aws", "resource": f"bucket{index}", "principal": "AllUsers",
            "public": (True, False, None)[index % 3], "access": "read", "unknown": []})
    return {"ingress": ingress, "storage": storage, "services": services, "grants": grants,
            "notes": [], "settings": {"extra_ports": []}}


def median_seconds(engine: Any, policies: Any, document: dict[str, Any], runs: int
                   ) -> tuple[float, str]:
    timings, digest = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        denials = engine.evaluate(policies, document)
        timings.append(time.perf_counter() - started)
        digest = json.dumps({package: sorted(json.dumps(entry, sort_keys=True)
                                             for entry in entries)
                             for package, entries in sorted(denials.items())})
    return statistics.median(timings), digest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opa-url", help="also time this OPA server")
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help=f"facts per kind (default: {' '.join(map(str, SIZES))})")
    args = parser.parse_args()
    policies = load_policies()
    engines = {"embedded": ("embedded", {}), "local opa": ("opa", {})}
    if args.opa_url:
        engines["server pushed"] = ("opa", {"opa_url": args.opa_url})
        engines["server preloaded"] = ("opa", {"opa_url": args.opa_url, "opa_preloaded": True})
    print(f"{'facts per kind':>14} " + " ".join(f"{name:>17}" for name in engines))
    for size in args.sizes:
        document = facts_document(size)
        cells, digests = [], set()
        for name, options in engines.values():
            seconds, digest = median_seconds(make_engine(name, **options), policies, document,
                                             args.runs)
            cells.append(f"{seconds * 1000:>14.1f} ms")
            digests.add(digest)
        agree = "same findings" if len(digests) == 1 else "FINDINGS DIFFER"
        print(f"{size:>14} " + " ".join(cells) + f"  {agree}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
