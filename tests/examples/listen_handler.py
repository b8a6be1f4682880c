# vod_handler.py: a normal-callback handler, the same code for the real service's callbacks
# and for `vod-emulator listen --forward-to http://localhost:8000/vod`.
import hashlib
import hmac
import os
import time

from aiohttp import web

SIGN_KEY = os.environ["VOD_SIGN_KEY"]  # your application's SignKey, or the one listen printed


async def vod_callback(request: web.Request) -> web.Response:
    event = await request.json()
    expected = hashlib.md5(f"{SIGN_KEY}{event.get('T')}".encode()).hexdigest()
    if not hmac.compare_digest(expected, str(event.get("Sign"))):
        return web.Response(status=401, text="wrong Sign")
    if int(event["T"]) < time.time():  # T is the signature's expiry: a replay is refused
        return web.Response(status=403, text="expired T")
    print("handled", event["EventType"], flush=True)  # your handling goes here
    return web.Response(text="ok")  # 200: the event is confirmed; anything else: sent again


app = web.Application()
app.router.add_post("/vod", vod_callback)

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=8000)
