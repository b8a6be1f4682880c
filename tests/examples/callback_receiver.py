import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from emulator.client import AdminClient
from emulator.config import Settings
from emulator.server import EmulatorThread

SIGN_KEY = "mySignKey2024"


def verify_callback(body: dict, sign_key: str) -> bool:
    """Genuine: Sign is the hex MD5 of SignKey + T. Fresh: T, its expiry, is not past."""
    expiry, sign = body.get("T"), body.get("Sign")
    if not isinstance(expiry, int) or not isinstance(sign, str):
        return False
    expected = hashlib.md5(f"{sign_key}{expiry}".encode()).hexdigest()
    return hmac.compare_digest(expected, sign) and expiry >= time.time()


received = []


class Receiver(BaseHTTPRequestHandler):                    # your webhook handler
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        genuine = verify_callback(body, SIGN_KEY)
        received.append((body["EventType"], genuine))
        self.send_response(200 if genuine else 403)        # anything but 200 is retried
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{receiver.server_address[1]}/vod-callback"

with EmulatorThread(Settings(port=0, callback_url=url, sign_key=SIGN_KEY)) as emu:
    admin = AdminClient(emu.url)
    admin.emit("NewFileUpload", 2)                         # POSTed, not queued
    admin.wait(callbacks_delivered=2)                      # wait for an outcome, never sleep
print(received)                                            # [('NewFileUpload', True), ...]
receiver.shutdown()
