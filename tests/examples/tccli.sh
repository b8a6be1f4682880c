vod-emulator emit --type NewFileUpload --count 2
handles=$(tccli vod PullEvents --endpoint http://127.0.0.1:4600 --filter 'EventSet[*].EventHandle')
tccli vod ConfirmEvents --endpoint http://127.0.0.1:4600 --EventHandles "$handles"
