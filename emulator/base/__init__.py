"""Foundations with no emulator imports: quoting input in messages, strict JSON, the
payload time format. Every other package may use them."""
