"""Prints the id of a round of the demo that takes registrations now (argument: the base URL)."""
import datetime
import json
import sys
import urllib.request

base = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
with urllib.request.urlopen(f"{base}/api/v1/consultations?status=open") as answer:
    consultations = json.load(answer)["items"]
for consultation in consultations:
    with urllib.request.urlopen(f"{base}/api/v1/consultations/{consultation['id']}/rounds") as answer:
        rounds = json.load(answer)["items"]
    for r in rounds:
        opens, closes = r.get("registration_opens_at"), r.get("registration_closes_at")
        if (not r["cancelled"] and opens and closes
                and datetime.datetime.fromisoformat(opens) <= now < datetime.datetime.fromisoformat(closes)):
            print(r["id"])
            sys.exit(0)
sys.exit("no round of the demo takes registrations now")
