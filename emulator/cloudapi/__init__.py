"""The Cloud API 3.0 protocol: request styles, signatures, parameters, envelopes."""
