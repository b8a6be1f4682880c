# test_webhook.py: your webhook handler fails twice, then gets the event on VOD's retries.
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

stored, outages = [], [2]                            # what it stored; its database is down twice


class Webhook(BaseHTTPRequestHandler):               # your handler
    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if outages[0]:
            outages[0] -= 1
            self.send_response(503)
        else:
            stored.append(event["FileUploadEvent"]["FileId"])
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_url():
    with ThreadingHTTPServer(("127.0.0.1", 0), Webhook) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_port}/vod"
        server.shutdown()


@pytest.mark.vod_emulator(callback_retry_seconds=[5, 60])   # two retries (emulator seconds)
def test_the_handler_survives_two_failures(vod_emulator, webhook_url):
    vod_emulator.use_callbacks(webhook_url)                 # Mode=PUSH, as ModifyEventConfig
    (event,) = vod_emulator.emit("NewFileUpload")
    vod_emulator.advance(65)                                # both retries fall due at once
    vod_emulator.wait_for_callbacks(1)                      # delivered: the third attempt
    assert stored == [event["content"]["FileUploadEvent"]["FileId"]]
    assert [a["status"] for a in vod_emulator.callbacks(event["event_id"])] == [503, 503, 200]
