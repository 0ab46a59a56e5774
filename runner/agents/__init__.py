"""Coding agents: the model clients (`models`), the scripted stand-in model (`scripted`)."""
