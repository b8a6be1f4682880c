# admin API
curl -s localhost:4600/_emulator/events -d '{"type": "NewFileUpload",
  "overrides": {"FileUploadEvent": {"FileId": "5285890784273533167",
                                    "MediaBasicInfo": {"Name": "launch.mp4"}}}}'
# command line
vod-emulator emit --type NewFileUpload --count 2 \
  --override '{"FileUploadEvent": {"FileId": "5285890784273533167"}}'
