import os
import time

from emulator.client import AdminClient
from emulator.events import EventFactory

url = os.environ.get("VOD_EMULATOR_URL", "http://127.0.0.1:4600")
fixed = {"FileUploadEvent": {"FileId": "5285890784273533167"}}
AdminClient(url).emit("NewFileUpload", overrides=fixed)        # into a running emulator
event = EventFactory(seed=7, now=time.time).make("NewFileUpload", fixed)   # or just a payload
print(event["FileUploadEvent"]["FileId"])                       # 5285890784273533167
