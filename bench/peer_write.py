"""The peer for the write benchmark: what the design document's "script-based" backfill does,
one bulk POST of the same rows with Python's standard library (urllib), same headers."""
import json, os, sys, time, urllib.request

rows_path = sys.argv[1]
body = open(rows_path, "rb").read()
n = len(json.loads(body))
url = os.environ["SUPABASE_URL"] + "/rest/v1/pr_events?on_conflict=repository,pr_number,event_key"
headers = {
    "apikey": os.environ["STACK_SECRET_KEY"],
    "Content-Profile": "metrics",
    "Content-Type": "application/json",
    "Prefer": "return=minimal,resolution=ignore-duplicates",
}
for label in ("new rows", "same rows again"):
    started = time.perf_counter()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request) as response:
        assert response.status == 201, response.status
    seconds = time.perf_counter() - started
    print(f"python-urllib {label:<16} {n:>6} rows  {seconds:>6.3f} s  {n / seconds:>8.0f} rows/s  1 request(s)")
