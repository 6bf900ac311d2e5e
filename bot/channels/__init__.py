"""One module per channel: payloads to Incoming, Outgoing to the platform."""
