# A CI job: the emulator in the background on a free port, the job's tests against it.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export VOD_EMULATOR_URL="http://127.0.0.1:$port"   # every vod-emulator command reads it
vod-emulator serve --port "$port" --seed 1 &
emulator=$!
trap 'kill "$emulator"; wait "$emulator"' EXIT     # stopped however the job ends
vod-emulator wait-ready --timeout 30

vod-emulator emit --type NewFileUpload --count 3
python3 - <<'PY'   # your tests go here: the official SDK, aimed at the emulator
import os
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models, vod_client

cred = (credential.EnvironmentVariableCredential().get_credential()
        or credential.Credential("AKIDany", "any"))
http = HttpProfile(protocol="http", endpoint=os.environ["VOD_EMULATOR_URL"].split("//")[1])
vod = vod_client.VodClient(cred, "", ClientProfile(httpProfile=http))
events = vod.PullEvents(models.PullEventsRequest()).EventSet
confirm = models.ConfirmEventsRequest()
confirm.EventHandles = [event.EventHandle for event in events]
vod.ConfirmEvents(confirm)
print(f"drained {len(events)} events")
PY
vod-emulator wait --confirmed 3 --pullable 0 --leased 0 --timeout 10   # exit 1 if not
vod-emulator stats --json   # e.g. kept as a build artifact, with export-journal

# pytest with the plugin uses this emulator too (VOD_EMULATOR_URL): reset before each test.
tests=$(mktemp -d)
cat > "$tests/test_job.py" <<'PY'
def test_against_the_service(vod_emulator):
    vod_emulator.emit("FileDeleted", count=2)
    assert vod_emulator.wait(pullable=2, confirmed=0)["pullable"] == 2
PY
(cd "$tests" && python3 -m pytest -q -p no:cacheprovider test_job.py)
