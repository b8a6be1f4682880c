recording=$(mktemp)
vod-emulator emit --scenario upload-transcode
vod-emulator record --from-start --until-idle 0 --out "$recording"   # what was emitted so far
vod-emulator reset
vod-emulator replay "$recording" --sub-app-id 1500000001 --keep-timing --speed 10
vod-emulator peek --sub-app-id 1500000001
