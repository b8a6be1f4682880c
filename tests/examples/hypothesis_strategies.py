from hypothesis import given

from emulator.strategies import any_event, event_content


def handle_upload(event: dict) -> str | None:          # the handler under test
    if event.get("EventType") != "NewFileUpload":
        return None
    upload = event.get("FileUploadEvent") or {}
    info = upload.get("MediaBasicInfo") or {}
    return f"new upload: {(info.get('Name') or upload.get('FileId') or '(unnamed)')[:100]}"

@given(event_content("NewFileUpload", nasty=True) | any_event(nasty=True))
def test_handler_survives_nasty_events(event):
    result = handle_upload(event)
    assert (result is None) == (event["EventType"] != "NewFileUpload")
