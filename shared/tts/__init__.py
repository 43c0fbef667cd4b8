"""Text-to-speech for voiceovers (§7): engines, WAV handling, audio storage, rendering.

Import from the submodules (``shared.tts.voiceover``, ``shared.tts.factory``...): keeping
this file empty means code that only reads WAV files does not import the ``openai`` client.
"""
