"""Deliveries verified by the official Standard Webhooks library (`standardwebhooks` on
PyPI): a partner subscribes a receiver, pings it, submits (a `submission.created` event),
rotates the secret and pings again; every delivery must verify with the secret that was
current, the one after the rotation with the old and the new secret alike."""

import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

BASE = os.environ["BASE"]
HEADERS = {"Authorization": f"Bearer {os.environ['PARTNER_TOKEN']}"}
received = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/beteiligung"


def wait_for(count):
    deadline = time.time() + 20
    while len(received) < count and time.time() < deadline:
        time.sleep(0.1)
    assert len(received) >= count, f"{len(received)} of {count} deliveries arrived"


made = requests.post(f"{BASE}/api/v1/webhooks", headers=HEADERS, json={
    "url": url, "events": ["submission.created"], "description": "Fachverfahren der Caritas"})
assert made.status_code == 201, made.text
subscription = made.json()
first_secret = subscription["secret"]
assert first_secret.startswith("whsec_")

ping = requests.post(f"{BASE}/api/v1/webhooks/{subscription['id']}/test", headers=HEADERS)
assert ping.status_code == 202, ping.text
need = requests.post(
    f"{BASE}/api/v1/consultations/integrationskonzept-sachsen-anhalt/submissions",
    headers=HEADERS,
    json={"kind": "need", "topic": "sprache", "title": "Sprachmittlung in Beratungsstellen",
          "body": "Dolmetschende fehlen in der Migrationsberatung.", "external_ref": f"swh-{uuid.uuid4()}"})
assert need.status_code == 201, need.text
wait_for(2)
events = []
for headers, body in received[:2]:
    events.append(Webhook(first_secret).verify(body, headers))
assert sorted(e["type"] for e in events) == ["ping", "submission.created"], events
created = next(e for e in events if e["type"] == "submission.created")
assert created["data"]["id"] == need.json()["id"], created

rotated = requests.post(f"{BASE}/api/v1/webhooks/{subscription['id']}/rotate-secret", headers=HEADERS)
assert rotated.status_code == 200, rotated.text
second_secret = rotated.json()["secret"]
assert second_secret != first_secret
requests.post(f"{BASE}/api/v1/webhooks/{subscription['id']}/test", headers=HEADERS)
wait_for(3)
headers, body = received[2]
for secret in (first_secret, second_secret):
    assert Webhook(secret).verify(body, headers)["type"] == "ping"
tampered = body.replace(b"ping", b"pong")
try:
    Webhook(second_secret).verify(tampered, headers)
    raise AssertionError("a tampered body verified")
except WebhookVerificationError:
    pass
deleted = requests.delete(f"{BASE}/api/v1/webhooks/{subscription['id']}", headers=HEADERS)
assert deleted.status_code == 204, deleted.text
print("Standard Webhooks: every delivery verified by the official library")
