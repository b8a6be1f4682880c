"""The callback receiver the PUSH tests use: the public one (emulator/clients/receiver.py)."""

from emulator.clients.receiver import CallbackReceiver as Receiver
from emulator.clients.receiver import Received, refused_url

__all__ = ["Received", "Receiver", "refused_url"]
