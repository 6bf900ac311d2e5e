"""The citizen side: channels and the conversation."""
