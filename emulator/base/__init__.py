"""Foundations with no emulator imports: quoting input in messages, strict JSON, the
payload time format, what counts as a number. Every other package may use them."""
