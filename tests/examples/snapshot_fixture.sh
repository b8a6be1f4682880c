# Once: build the state your tests start from on a running emulator, and export it.
vod-emulator emit --type NewFileUpload --count 3
vod-emulator snapshot save three-uploads
vod-emulator snapshot export three-uploads -o tests/three-uploads.vodsnap   # commit it
