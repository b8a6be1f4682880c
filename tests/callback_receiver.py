"""The callback receiver the PUSH tests use: the public one (emulator/receiver.py)."""

from emulator.receiver import CallbackReceiver as Receiver
from emulator.receiver import Received, refused_url

__all__ = ["Received", "Receiver", "refused_url"]
