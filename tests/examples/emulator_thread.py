from concurrent.futures import ThreadPoolExecutor

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

from emulator.client import AdminClient
from emulator.config import Settings
from emulator.server import EmulatorThread

with EmulatorThread(Settings(port=0, seed=7)) as emu:     # emu.endpoint -> "127.0.0.1:<port>"
    admin = AdminClient(emu.url)
    http = HttpProfile(protocol="http", endpoint=emu.endpoint)
    vod = vod_client.VodClient(credential.Credential("AKIDany", "any"), "",
                               ClientProfile(httpProfile=http))

    def pull() -> list[str]:
        return [event.EventType for event in vod.PullEvents(models.PullEventsRequest()).EventSet]

    admin.emit("NewFileUpload", 2)
    assert pull() == ["NewFileUpload"] * 2                # leased, and never confirmed...
    admin.advance_clock(30)                                # ...so after the 30 s window
    assert pull() == ["NewFileUpload"] * 2                # they come back

    with ThreadPoolExecutor() as pool:                     # nothing is pullable now:
        held = pool.submit(pull)                           # this pull is held
        admin.wait(held_pulls=1)                           # wait for it, never sleep
        admin.emit("FileDeleted")                          # an event answers it at once
        assert held.result() == ["FileDeleted"]
        # (or admin.advance_clock(5): the held pull answers [] at the end of its 5 s)

    print(emu.call(lambda backend: backend.queue_state(None)))  # live state, on its loop
