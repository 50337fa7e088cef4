"""Models: the registry, the local store and the hub, loading once per cache, conversion and imports (CTranslate2,
GGUF, Argos), and the two families (seq2seq and instruction models) with their engines."""
