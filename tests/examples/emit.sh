vod-emulator emit --type ProcedureStateChanged --count 5 --sub-app-id 1500000001
vod-emulator emit --scenario upload-transcode
vod-emulator emit --file fixtures/events/FileDeleted.json
