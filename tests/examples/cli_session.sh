vod-emulator emit --type NewFileUpload --count 2 --set FileUploadEvent.MediaBasicInfo.Name=launch.mp4
vod-emulator fault add --action PullEvents --effect error --code RequestLimitExceeded --times 1
vod-emulator peek                    # the queue: state, event id, type, handle, expiry
vod-emulator history evt-00000001    # everything that happened to one event
vod-emulator clock freeze            # emulator time stands still...
vod-emulator advance 30              # ...but moves when told to
vod-emulator stats
vod-emulator fault clear
